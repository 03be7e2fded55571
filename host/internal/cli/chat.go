package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os/user"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/messaging"
)

// runChat is `machina chat --config FILE`: a terminal conversation with the
// same agent that answers on Telegram and e-mail (same tools, sandbox gate,
// confirmations and tracer; the client id is cli:<user>).
func runChat(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	cf := addConfigFlags(fs, "machina.toml", "configuration `file` with an [agent] section")
	if code, ok := parseFlags(fs, args, -1); !ok {
		return code
	}
	c, err := cf.withDotEnv(c, *cf.path)
	if err != nil {
		return 2
	}
	cfg, err := config.Load(*cf.path, c.getenv)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina chat:", err)
		return 2
	}
	// Messages from chat channels are only logged while the terminal owns the
	// agent.
	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: c.stderr, Getenv: c.getenv, Version: version,
		MessageHandler: &messaging.EchoHandler{}})
	if err != nil {
		return c.fail(fs, err)
	}
	defer a.Close()
	if a.Agent == nil || !a.HasLLM() {
		fmt.Fprintln(c.stderr, "machina chat: configure [agent] with a provider and model (see docs/operators.md)")
		return 2
	}
	return chatLoop(ctx, a, c.input(), c.stdout)
}

func chatLoop(ctx context.Context, a *app.App, in io.Reader, out io.Writer) int {
	name := "operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	mode := "live"
	if a.Gate.Enabled() {
		mode = "sandbox"
	}
	fmt.Fprintf(out, "Machina (%s mode). Ask about assets, work orders, manuals or alarms. /quit to leave.\n", mode)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for {
		fmt.Fprint(out, "\n> ")
		if !sc.Scan() {
			fmt.Fprintln(out)
			return 0
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if text == "/quit" || text == "/exit" {
			return 0
		}
		reply, err := a.Agent.Handle(ctx, abi.Message{Channel: "cli", ChatID: "terminal", UserID: name, UserName: name, Text: text})
		if err != nil {
			fmt.Fprintln(out, "error:", err)
			continue
		}
		fmt.Fprintln(out, reply)
		if ctx.Err() != nil {
			return 0
		}
	}
}
