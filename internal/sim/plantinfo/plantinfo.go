// Package plantinfo is what `machina sim plant --json` prints once the
// plant is ready: the contract between that command (host/internal/cli)
// and the programs that start a plant and drive it (bench/). It owns no
// behaviour.
package plantinfo

// Info says where the parts of a running plant are.
type Info struct {
	Config      string `json:"config"`       // machina.toml for `machina serve --config`
	TokenFile   string `json:"token_file"`   // the MCP bearer token (mode 0600)
	Listen      string `json:"listen"`       // the MCP HTTP address in the configuration
	TelegramURL string `json:"telegram_url"` // the Telegram simulator
	ChatID      int    `json:"chat_id"`      // the operator's Telegram chat
	MaximoURL   string `json:"maximo_url"`   // the Maximo simulator
}
