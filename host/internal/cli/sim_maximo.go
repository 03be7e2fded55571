package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/machina-go/machina/internal/sim/maximo"
)

// runSimMaximo is `machina sim maximo`: the Maximo simulator until ctx
// ends. Credentials come from the MAXIMO_SIM_* environment variables, or
// are generated and written to --env-file (mode 0600); they never appear
// in flags or on stdout. Exit codes: 0 ok, 1 failure, 2 usage.
func runSimMaximo(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	sf := addHTTPSimFlags(fs, "127.0.0.1:9080", "cmms-maximo")
	authName := fs.String("auth", "apikey", "authentication `mode`: apikey (header \"apikey\"), basic, bearer or none")
	minAssets := fs.Int("min-assets", 0, "pad the plant with extra equipment up to this many assets")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	mode, err := maximo.ParseAuthMode(*authName)
	if err != nil {
		return c.exit(fs, 2, err)
	}
	auth, err := simCredentials(c, *sf.envFile, simCreds[maximo.Auth]{
		mode: string(mode), none: mode == maximo.AuthNone, names: maximo.CredentialEnv(mode), pattern: "maximo-sim-*.env",
		fromEnv:  func() (maximo.Auth, bool) { return maximo.AuthFromEnv(mode, c.getenv) },
		generate: func() (maximo.Auth, error) { return maximo.GenerateAuth(mode) },
		vars:     maximo.Auth.EnvVars,
	})
	if err != nil {
		return c.exit(fs, 1, err)
	}
	srv, err := maximo.NewServer(maximo.Options{Auth: auth, Seed: *sf.seed, MinAssets: *minAssets, Logger: simLogger("sim-maximo", c.stderr, *sf.verbose)})
	if err != nil {
		return c.exit(fs, 1, err)
	}
	return serveSim(ctx, c, fs, *sf.listen, srv, func(base string) {
		fmt.Fprintf(c.stdout, "maximo simulator listening on %s (auth %s, %d assets)\n", base, mode, len(srv.Records(maximo.OSAsset)))
		if *sf.printConfig {
			fmt.Fprint(c.stdout, maximo.ConfigSnippet(base, mode))
		}
	})
}
