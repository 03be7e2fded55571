package cli

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/internal/sim/rest"
)

// runSimREST is `machina sim rest`: a REST/JSON CMMS in the dialect of one
// cmms-rest preset until ctx ends. The credential comes from
// $MACHINA_REST_SIM_TOKEN, or is generated and written to --env-file (mode
// 0600); it never appears in flags or on stdout. Exit codes: 0 ok, 1
// failure, 2 usage.
func runSimREST(ctx context.Context, c *cli, args []string) int {
	const name = "machina sim rest"
	fs := c.flagSet(name, fmt.Sprintf(`Usage: machina sim rest --preset upkeep|maintainx [flags]

Runs a REST/JSON CMMS simulator that speaks the API of one cmms-rest preset,
with the response shapes its vendor documents, and a seeded plant, until
interrupted:
  upkeep     UpKeep API v2: Session-Token header, /api/v2/{assets,work-orders,parts,users},
             offset/limit paging, {"success","results"} lists
  maintainx  MaintainX REST v1: Authorization: Bearer, /v1/{assets,workorders,parts,users},
             cursor paging ({…, "nextCursor", "nextPageUrl"}), expand=
--paging page|link (upkeep only) pages by page number or announces the next page
in an RFC 8288 Link header instead, as other vendors do. Logs go to stderr.

The credential is read from $%s. When unset it is generated and
written to --env-file; only the variable name and the file path are printed.

Flags:
`, rest.EnvToken))
	listen := fs.String("listen", "127.0.0.1:9083", "`host:port` to listen on (port 0 picks a free port)")
	preset := fs.String("preset", "", "the vendor `dialect`: upkeep or maintainx (required)")
	paging := fs.String("paging", "", "upkeep only: page numbers (`page`) or RFC 8288 Link headers (link) instead of offset/limit")
	seed := fs.Uint64("seed", 1, "data seed (the same seed gives the same plant)")
	envFile := fs.String("env-file", "", "when $"+rest.EnvToken+" is unset, write a generated token to this `file` (0600) (default: a new file in the temp directory)")
	printConfig := fs.Bool("print-config", false, "print a machina.toml [[plugin]] block for cmms-rest against this simulator")
	verbose := fs.Bool("v", false, "log every request (debug)")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	d := rest.Dialect(*preset)
	if d != rest.UpKeep && d != rest.MaintainX {
		fmt.Fprintf(c.stderr, "%s: --preset must be upkeep or maintainx\n", name)
		return 2
	}
	if *paging != "" && (d != rest.UpKeep || (*paging != "page" && *paging != "link")) {
		fmt.Fprintf(c.stderr, "%s: --paging must be page or link, with --preset upkeep\n", name)
		return 2
	}
	token, err := simCredentials(c, *envFile, simCreds[string]{
		mode: "token", names: []string{rest.EnvToken}, pattern: "rest-sim-*.env",
		fromEnv:  func() (string, bool) { v := c.getenv(rest.EnvToken); return v, v != "" },
		generate: rest.GenerateToken,
		vars:     func(tok string) [][2]string { return [][2]string{{rest.EnvToken, tok}} },
	})
	if err != nil {
		return simFail(c, name, err, 1)
	}
	srv, err := rest.NewServer(rest.Options{Dialect: d, Token: token, Seed: *seed, Paging: *paging, Logger: simLogger("sim-rest", c.stderr, *verbose)})
	if err != nil {
		return simFail(c, name, err, 1)
	}
	return serveSim(ctx, c, name, *listen, srv, func(origin string) {
		fmt.Fprintf(c.stdout, "rest simulator (%s) listening on %s (base_url %s, %d assets, %d work orders)\n",
			d, origin, rest.BaseURL(origin, d), len(srv.Records(rest.Assets)), len(srv.Records(rest.WorkOrders)))
		if *printConfig {
			fmt.Fprint(c.stdout, rest.ConfigSnippet(origin, d, *paging))
		}
	})
}
