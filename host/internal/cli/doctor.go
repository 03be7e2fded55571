package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/doctor"
)

// runDoctor is `machina doctor`: the rules of package doctor, and whether
// the host assembles from the configuration at all.
func runDoctor(ctx context.Context, c *cli, args []string) int {
	fs := c.flagSet("machina doctor", "Usage: machina doctor [--config FILE] [--json]\n\n"+
		"Checks a deployment for security problems and prints each finding with a fix.\n"+
		"Exit status: 0 no high findings, 1 at least one high finding, 2 usage or config error.")
	path := fs.String("config", "machina.toml", "configuration file to check")
	asJSON := fs.Bool("json", false, "print findings as JSON")
	if code, ok := parseFlags(fs, args, -1); !ok {
		return code
	}
	cfg, err := config.Load(*path, c.getenv)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina doctor:", err)
		return 2
	}
	findings := doctor.Run(cfg, doctor.Options{Getenv: c.getenv})
	a, err := app.Build(ctx, cfg, app.Core, app.Options{Stderr: c.stderr, Getenv: c.getenv, Version: version, LogLevel: "off"})
	if err != nil {
		findings = append([]doctor.Finding{doctor.StartupFinding(err)}, findings...)
	} else {
		a.Close()
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if findings == nil {
			findings = []doctor.Finding{}
		}
		_ = enc.Encode(map[string]any{"findings": findings, "high": doctor.HasHigh(findings)})
	} else {
		doctor.Print(c.stdout, findings)
	}
	if doctor.HasHigh(findings) {
		return 1
	}
	return 0
}
