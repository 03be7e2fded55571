package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/hashicorp/go-hclog"
)

// DefaultTokenEnv is the environment variable the command reads the bot
// token from (never from the command line).
const DefaultTokenEnv = "MACHINA_TELEGRAM_BOT_TOKEN"

// RunSimCommand implements "machina sim telegram": it runs the Bot API
// simulator until ctx ends. The token comes from the environment variable
// named by --token-env. Exit codes: 0 ok, 1 failure, 2 usage.
func RunSimCommand(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string, args []string) int {
	fs := flag.NewFlagSet("machina sim telegram", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8081", "`host:port` to listen on (port 0 picks a free port)")
	tokenEnv := fs.String("token-env", DefaultTokenEnv, "environment `variable` holding the bot token the simulator accepts")
	botName := fs.String("bot-name", "machina_sim_bot", "bot username reported by getMe")
	jsonOut := fs.Bool("json", false, "print {\"base_url\": ...} as JSON to stdout once listening")
	verbose := fs.Bool("v", false, "debug logging")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: machina sim telegram [flags]

Runs a Telegram Bot API simulator (getMe, getUpdates long polling,
sendMessage) until interrupted. Point the telegram plugin's base_url at it.
The bot token is read from $%s (see --token-env).

Demo endpoints (no token): POST /sim/inject {"chat_id": 42, "text": "hi"}
queues an incoming message; GET /sim/sent lists what the bot sent.

Flags:
`, DefaultTokenEnv)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "machina sim telegram: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	token := getenv(*tokenEnv)
	if token == "" {
		fmt.Fprintf(stderr, "machina sim telegram: set $%s to the bot token the simulator should accept\n", *tokenEnv)
		return 2
	}
	level := hclog.Info
	if *verbose {
		level = hclog.Debug
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "machina.sim.telegram", Output: stderr, Level: level})
	s, err := NewServer(Options{Token: token, Addr: *listen, BotName: *botName, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "machina sim telegram:", err)
		return 1
	}
	defer s.Close()
	log.Info("Telegram Bot API simulator listening", "base_url", s.URL())
	if *jsonOut {
		_ = json.NewEncoder(stdout).Encode(map[string]string{"base_url": s.URL()})
	}
	<-ctx.Done()
	return 0
}
