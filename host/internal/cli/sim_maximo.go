package cli

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/internal/sim/maximo"
)

// runSimMaximo is `machina sim maximo`: the Maximo simulator until ctx
// ends. Credentials come from the MAXIMO_SIM_* environment variables, or
// are generated and written to --env-file (mode 0600); they never appear
// in flags or on stdout. Exit codes: 0 ok, 1 failure, 2 usage.
func runSimMaximo(ctx context.Context, c *cli, args []string) int {
	const name = "machina sim maximo"
	fs := c.flagSet(name, fmt.Sprintf(`Usage: machina sim maximo [flags]

Runs an IBM Maximo OSLC JSON API simulator (mxasset, mxwo, mxinventory, mxpm)
with a seeded plant until interrupted. Logs go to stderr.

Credentials are read from the environment (%s; %s and %s;
%s). When unset they are generated and written to --env-file; only the
variable names and the file path are printed.

Faults: GET|PUT|DELETE /_sim/faults with a JSON body such as
  {"unavailable":2} {"rate_limit":1,"retry_after":1} {"slow_ms":500} {"malformed":1} {"oversized":1,"oversized_bytes":5000000}
(counts apply to the next N requests, -1 to all); GET /_sim/stats counts requests and writes.

Flags:
`, maximo.EnvAPIKey, maximo.EnvUser, maximo.EnvPassword, maximo.EnvToken))
	listen := fs.String("listen", "127.0.0.1:9080", "`host:port` to listen on (port 0 picks a free port)")
	authName := fs.String("auth", "apikey", "authentication `mode`: apikey (header \"apikey\"), basic, bearer or none")
	seed := fs.Uint64("seed", 1, "data seed (the same seed gives the same plant)")
	minAssets := fs.Int("min-assets", 0, "pad the plant with extra equipment up to this many assets")
	envFile := fs.String("env-file", "", "when the credential variables are unset, write generated credentials to this `file` (0600) as KEY=value lines (default: a new file in the temp directory)")
	printConfig := fs.Bool("print-config", false, "print a machina.toml [[plugin]] block for cmms-maximo against this simulator")
	verbose := fs.Bool("v", false, "log every request (debug)")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	mode, err := maximo.ParseAuthMode(*authName)
	if err != nil {
		return simFail(c, name, err, 2)
	}
	auth, err := simCredentials(c, *envFile, simCreds[maximo.Auth]{
		mode: string(mode), none: mode == maximo.AuthNone, names: maximo.CredentialEnv(mode), pattern: "maximo-sim-*.env",
		fromEnv:  func() (maximo.Auth, bool) { return maximo.AuthFromEnv(mode, c.getenv) },
		generate: func() (maximo.Auth, error) { return maximo.GenerateAuth(mode) },
		vars:     maximo.Auth.EnvVars,
	})
	if err != nil {
		return simFail(c, name, err, 1)
	}
	srv, err := maximo.NewServer(maximo.Options{Auth: auth, Seed: *seed, MinAssets: *minAssets, Logger: simLogger("sim-maximo", c.stderr, *verbose)})
	if err != nil {
		return simFail(c, name, err, 1)
	}
	return serveSim(ctx, c, name, *listen, srv, func(base string) {
		fmt.Fprintf(c.stdout, "maximo simulator listening on %s (auth %s, %d assets)\n", base, mode, len(srv.Records(maximo.OSAsset)))
		if *printConfig {
			fmt.Fprint(c.stdout, maximo.ConfigSnippet(base, mode))
		}
	})
}
