package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/machina-go/machina/host/internal/demo"
)

// stdioCommand is the command line an MCP client runs to start its own
// demo over stdio: the absolute binary, plugins and manuals, so it works
// whatever directory the client starts it in. It carries no --state: each
// spawned demo claims a free state slot of its own.
func stdioCommand(f demoFlags) (exe string, args []string) {
	exe, err := os.Executable()
	if err == nil {
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
	}
	args = []string{"demo", "--transport", "stdio", "--plugins", f.plugins, "--manuals", f.manuals}
	if f.live {
		args = append(args, "--live")
	}
	return exe, args
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellLine(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// printConnect prints where the demo serves and how to connect Claude
// Desktop, Claude Code, the MCP Inspector and curl to it.
func printConnect(w io.Writer, url string, env *demo.Env, f demoFlags, logPath string) {
	exe, args := stdioCommand(f)
	type server struct {
		Command string   `json:"command"`
		Args    []string `json:"args"`
	}
	desktop, _ := json.MarshalIndent(map[string]any{"mcpServers": map[string]server{"machina": {exe, args}}}, "", "  ")
	stdio := shellLine(append([]string{exe}, args...)...)
	auth := fmt.Sprintf(`"Authorization: Bearer $(cat %s)"`, shellQuote(env.TokenPath))
	fmt.Fprintf(w, `
MCP endpoint:  %s/mcp   (streamable HTTP, bearer token)
Token:         %s
               (shown once; also in %s, mode 0600)
State:         %s   (this demo's own: config, credentials, data)
Config:        %s
Traces:        %s   (machina trace verify DIR)
Logs:          %s

Claude Desktop — claude_desktop_config.json (the client starts a demo of its own over stdio):
%s

Claude Code:
  claude mcp add machina -- %s
  claude mcp add --transport http machina-http %s/mcp --header %s

MCP Inspector:
  npx @modelcontextprotocol/inspector -- %s
  or transport "Streamable HTTP", URL %s/mcp, header Authorization: Bearer <token above>

curl:
  curl -s %s/health
  curl -s -H %s %s/metrics
`, url, env.Token, env.TokenPath, env.StateDir, env.ConfigPath, filepath.Join(env.StateDir, "traces"), logPath,
		indentLines(string(desktop), "  "), stdio, url, auth, stdio, url, url, auth, url)
}

func indentLines(s, p string) string {
	return p + strings.ReplaceAll(s, "\n", "\n"+p)
}
