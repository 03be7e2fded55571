package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"

	"github.com/machina-go/machina/internal/sim/plantinfo"

	"github.com/machina-go/machina/host/internal/demo"
)

// runSimPlant is `machina sim plant`: the demo's simulators and the
// machina.toml that points a separate `machina serve` at them, until ctx
// ends. Unlike `machina demo` the host is not in this process, so it can
// be stopped, killed and restarted while the plant keeps its state (the
// soak and crash benchmarks under bench/ do). Exit codes: 0 ok, 1
// failure, 2 usage.
func runSimPlant(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	name := fs.Name()
	var f demoFlags
	fs.StringVar(&f.state, "state", "", "state `directory` for config, secrets, token, data and traces (required)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8000", "MCP HTTP `address` written to the configuration")
	fs.StringVar(&f.plugins, "plugins", "", "`directory` of built plugins (default: dist/plugins beside the binary's checkout)")
	fs.BoolVar(&f.live, "live", false, "turn sandbox mode off (writes go to the simulators)")
	fs.StringVar(&f.llmURL, "llm-url", "", "OpenAI-compatible `URL` for the chat agent; off by default")
	fs.StringVar(&f.llmModel, "llm-model", "llama3.1", "model for --llm-url")
	jsonOut := fs.Bool("json", false, "print where everything is as JSON to stdout once ready")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if f.state == "" {
		fmt.Fprintln(c.stderr, name+": --state is required")
		return 2
	}
	plugins, err := locate(f.plugins, "dist/plugins", "run `make build`, or give --plugins DIR")
	if err != nil {
		fmt.Fprintln(c.stderr, name+":", err)
		return 1
	}
	log.SetOutput(io.Discard) // gopcua's server logs through the standard logger
	env, err := demo.Start(ctx, demo.Options{PluginsDir: plugins, StateDir: f.state, Listen: f.listen, Sandbox: !f.live,
		LLMURL: f.llmURL, LLMModel: f.llmModel, NoConfirmations: true, Static: true,
		Logger: simLogger("machina.sim.plant", c.stderr, false)})
	if err != nil {
		fmt.Fprintln(c.stderr, name+":", err)
		return 1
	}
	defer env.Close()
	info := plantinfo.Info{Config: env.ConfigPath, TokenFile: env.TokenPath, Listen: f.listen, TelegramURL: env.Telegram.URL(),
		ChatID: demo.TelegramChat, MaximoURL: env.MaximoURL()}
	if *jsonOut {
		_ = json.NewEncoder(c.stdout).Encode(info)
	} else {
		fmt.Fprintf(c.stdout, "plant ready: machina serve --config %s\n", info.Config)
	}
	<-ctx.Done()
	return 0
}
