package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/machina-go/machina/internal/sim/rest"
)

// runSimREST is `machina sim rest`: a REST/JSON CMMS in the dialect of one
// cmms-rest preset until ctx ends. The credential comes from
// $MACHINA_REST_SIM_TOKEN, or is generated and written to --env-file (mode
// 0600); it never appears in flags or on stdout. Exit codes: 0 ok, 1
// failure, 2 usage.
func runSimREST(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	name := fs.Name()
	sf := addHTTPSimFlags(fs, "127.0.0.1:9083", "cmms-rest")
	fs.Lookup("env-file").Usage = "when $" + rest.EnvToken + " is unset, write a generated token to this `file` (0600) (default: a new file in the temp directory)"
	preset := fs.String("preset", "", "the vendor `dialect`: upkeep or maintainx (required)")
	paging := fs.String("paging", "", "upkeep only: page numbers (`page`) or RFC 8288 Link headers (link) instead of offset/limit")
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
	token, err := simCredentials(c, *sf.envFile, simCreds[string]{
		mode: "token", names: []string{rest.EnvToken}, pattern: "rest-sim-*.env",
		fromEnv:  func() (string, bool) { v := c.getenv(rest.EnvToken); return v, v != "" },
		generate: rest.GenerateToken,
		vars:     func(tok string) [][2]string { return [][2]string{{rest.EnvToken, tok}} },
	})
	if err != nil {
		return c.exit(fs, 1, err)
	}
	srv, err := rest.NewServer(rest.Options{Dialect: d, Token: token, Seed: *sf.seed, Paging: *paging, Logger: simLogger("sim-rest", c.stderr, *sf.verbose)})
	if err != nil {
		return c.exit(fs, 1, err)
	}
	return serveSim(ctx, c, fs, *sf.listen, srv, func(origin string) {
		fmt.Fprintf(c.stdout, "rest simulator (%s) listening on %s (base_url %s, %d assets, %d work orders)\n",
			d, origin, rest.BaseURL(origin, d), len(srv.Records(rest.Assets)), len(srv.Records(rest.WorkOrders)))
		if *sf.printConfig {
			fmt.Fprint(c.stdout, rest.ConfigSnippet(origin, d, *paging))
		}
	})
}
