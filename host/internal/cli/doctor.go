package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/doctor"
)

// runDoctor is `machina doctor`: the rules of package doctor, and whether
// the host assembles from the configuration at all.
func runDoctor(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	cf := addConfigFlags(fs, "", "configuration `file` to check (default ./machina.toml when it exists)")
	asJSON := addJSONFlag(fs, "print findings as JSON")
	if code, ok := parseFlags(fs, args, -1); !ok {
		return code
	}
	cfgFile := *cf.path
	if cfgFile == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			cfgFile = defaultConfigFile
		}
	}
	c, err := cf.withDotEnv(c, cfgFile)
	if err != nil {
		return 2
	}
	cfg, used, err := doctorConfig(c, cfgFile)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina doctor:", err)
		return 2
	}
	findings := doctor.Run(cfg, doctor.Options{Getenv: c.getenv, ConfigPath: used})
	a, err := app.Build(ctx, cfg, app.Core, app.Options{Stderr: c.stderr, Getenv: c.getenv, Version: version, LogLevel: "off"})
	if err != nil {
		findings = append([]doctor.Finding{doctor.StartupFinding(err)}, findings...)
	} else {
		a.Close()
	}
	if findings == nil {
		findings = []doctor.Finding{}
	}
	report := map[string]any{"findings": findings, "high": doctor.HasHigh(findings)}
	if err := asJSON.print(c, report, func(w io.Writer) { doctor.Print(w, findings) }); err != nil {
		return c.fail(fs, err)
	}
	if doctor.HasHigh(findings) {
		return 1
	}
	return 0
}

// doctorConfig loads the configuration doctor checks: path, else
// ./machina.toml when it exists, else the defaults and the environment
// (used is then ""; a note says so on stderr).
func doctorConfig(c *cli, path string) (cfg *config.Config, used string, err error) {
	if path == "" {
		if _, err := os.Stat(defaultConfigFile); err != nil {
			fmt.Fprintf(c.stderr, "machina doctor: no --config and no %s here: checking the built-in defaults and the environment\n", defaultConfigFile)
			cfg, err := config.Parse(nil, c.getenv)
			return cfg, "", err
		}
		path = defaultConfigFile
	}
	cfg, err = config.Load(path, c.getenv)
	if err != nil {
		return nil, "", err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return cfg, path, nil
}

// defaultConfigFile is the configuration commands look for in the working
// directory when given none.
const defaultConfigFile = "machina.toml"
