package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/machina-go/machina/internal/sim/telegram"
)

// runSimTelegram is `machina sim telegram`: the Bot API simulator until ctx
// ends. The token comes from the environment variable named by
// --token-env. Exit codes: 0 ok, 1 failure, 2 usage.
func runSimTelegram(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	name := fs.Name()
	listen := fs.String("listen", "127.0.0.1:8081", "`host:port` to listen on (port 0 picks a free port)")
	tokenEnv := fs.String("token-env", telegram.DefaultTokenEnv, "environment `variable` holding the bot token the simulator accepts")
	botName := fs.String("bot-name", "machina_sim_bot", "bot username reported by getMe")
	jsonOut := fs.Bool("json", false, "print {\"base_url\": ...} as JSON to stdout once listening")
	verbose := fs.Bool("v", false, "debug logging")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	token := c.getenv(*tokenEnv)
	if token == "" {
		fmt.Fprintf(c.stderr, "%s: set $%s to the bot token the simulator should accept\n", name, *tokenEnv)
		return 2
	}
	log := simLogger("machina.sim.telegram", c.stderr, *verbose)
	s, err := telegram.NewServer(telegram.Options{Token: token, Addr: *listen, BotName: *botName, Logger: log})
	if err != nil {
		fmt.Fprintln(c.stderr, name+":", err)
		return 1
	}
	defer s.Close()
	log.Info("Telegram Bot API simulator listening", "base_url", s.URL())
	if *jsonOut {
		_ = json.NewEncoder(c.stdout).Encode(map[string]string{"base_url": s.URL()})
	}
	<-ctx.Done()
	return 0
}
