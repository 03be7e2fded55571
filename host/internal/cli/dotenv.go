package cli

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/secrets"
)

// dotEnvFlagHelp documents --env-file for the commands that take it.
const dotEnvFlagHelp = "env `file` of KEY=value lines (secrets referenced as env:NAME, MACHINA_* settings); " +
	"default: .env beside --config when it exists. Variables already in the environment win"

// configFlags are --config and --env-file, of the commands that load a
// machina.toml.
type configFlags struct{ path, envFile *string }

// addConfigFlags defines the configFlags on fs: --config with its default
// and usage, --env-file as every such command has it.
func addConfigFlags(fs *flag.FlagSet, def, usage string) configFlags {
	return configFlags{path: fs.String("config", def, usage), envFile: fs.String("env-file", "", dotEnvFlagHelp)}
}

// withDotEnv is c.withDotEnv for --env-file and the configuration cfgPath.
func (f configFlags) withDotEnv(c *cli, cfgPath string) (*cli, error) {
	return c.withDotEnv(*f.envFile, cfgPath)
}

// withDotEnv returns c reading its environment through an env file: path,
// or — when path is "" — .env beside the configuration file cfgPath when
// there is one. The process environment wins over the file, and the
// process's own environment is never changed. A named file that cannot be
// read is an error, printed on c's stderr; the default one is optional.
// On error the returned cli is c itself.
func (c *cli) withDotEnv(path, cfgPath string) (*cli, error) {
	explicit := path != ""
	if !explicit {
		if cfgPath == "" {
			return c, nil
		}
		path = filepath.Join(filepath.Dir(cfgPath), ".env")
	}
	vars := map[string]string{}
	log := hclog.New(&hclog.LoggerOptions{Name: "machina", Output: c.stderr, Level: hclog.Warn})
	err := secrets.LoadDotEnv(path, func(k, v string) error { vars[k] = v; return nil }, log)
	if !explicit && errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		fmt.Fprintln(c.stderr, "machina:", err)
		return c, err
	}
	fmt.Fprintf(c.stderr, "machina: loaded %d variables from %s\n", len(vars), path)
	env := c.getenv
	if env == nil {
		env = os.Getenv
	}
	withFile := *c
	withFile.getenv = func(k string) string {
		if v := env(k); v != "" {
			return v
		}
		return vars[k]
	}
	return &withFile, nil
}
