package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/machina-go/machina/internal/sim/sap"
)

// runSimSAP is `machina sim sap`: the SAP PM simulator until ctx ends.
// Credentials come from the SAP_SIM_* environment variables, or are
// generated and written to --env-file (mode 0600); they never appear in
// flags or on stdout. Exit codes: 0 ok, 1 failure, 2 usage.
func runSimSAP(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	name := fs.Name()
	sf := addHTTPSimFlags(fs, "127.0.0.1:9081", "cmms-sap")
	odata := fs.String("odata", sap.V2, "OData protocol `version` of the bodies: v2 (d.results, __next) or v4 (value, @odata.nextLink)")
	authName := fs.String("auth", "basic", "authentication `mode`: basic, oauth2 (client credentials at /oauth/token) or none")
	client := fs.String("sap-client", "100", "SAP `client` every request must name in the sap-client header (empty: not checked)")
	csrfTTL := fs.Duration("csrf-ttl", 30*time.Minute, "how long a CSRF token stays valid")
	pageSize := fs.Int("server-page-size", 1000, "most entities per response before server-driven paging")
	minEquipment := fs.Int("min-equipment", 0, "pad the plant with extra equipment up to this many")
	statusField := fs.String("status-field", sap.StatusText, "where orders carry their status: text (SystemStatusText and UserStatusText, as SAP's published API) or legacy (the reference's MaintenanceOrderSystemStatus)")
	lenient := fs.Bool("lenient-csrf", false, "accept a CSRF token without the cookies of the session that fetched it (default: strict, as SAP Gateway)")
	proxyOrigin := fs.String("proxy-origin", "", "name this `origin` (e.g. http://s4h-app01.corp.internal:8000) in next links and entity URIs, as SAP behind a reverse proxy does")
	relativeNext := fs.Bool("relative-next", false, "OData v4: relative @odata.nextLink (resolved against the service root)")
	customer := fs.Bool("customer-codes", false, "a customer-configured system: generated orders of customer types YBA1-YBA4, and only those types defined for new orders")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	mode, err := sap.ParseAuthMode(*authName)
	if err != nil {
		return c.exit(fs, 2, err)
	}
	if *odata != sap.V2 && *odata != sap.V4 {
		fmt.Fprintf(c.stderr, "%s: --odata must be v2 or v4\n", name)
		return 2
	}
	auth, err := simCredentials(c, *sf.envFile, simCreds[sap.Auth]{
		mode: string(mode), none: mode == sap.AuthNone, names: sap.CredentialEnv(mode), pattern: "sap-sim-*.env",
		fromEnv:  func() (sap.Auth, bool) { return sap.AuthFromEnv(mode, c.getenv) },
		generate: func() (sap.Auth, error) { return sap.GenerateAuth(mode) },
		vars:     sap.Auth.EnvVars,
	})
	if err != nil {
		return c.exit(fs, 1, err)
	}
	srv, err := sap.NewServer(sap.Options{Auth: auth, ODataVersion: *odata, SAPClient: *client, CSRFTTL: *csrfTTL,
		ServerPageSize: *pageSize, Seed: *sf.seed, MinEquipment: *minEquipment, Logger: simLogger("sim-sap", c.stderr, *sf.verbose),
		StatusField: *statusField, LenientCSRF: *lenient, ProxyOrigin: *proxyOrigin, RelativeNextLink: *relativeNext, CustomerCodes: *customer})
	if err != nil {
		return c.exit(fs, 1, err)
	}
	return serveSim(ctx, c, fs, *sf.listen, srv, func(base string) {
		fmt.Fprintf(c.stdout, "sap simulator listening on %s%s (OData %s, auth %s, sap-client %q, %d equipment)\n",
			base, sap.BasePath, *odata, mode, *client, len(srv.Records(sap.SetEquipment)))
		if *sf.printConfig {
			fmt.Fprint(c.stdout, sap.ConfigSnippet(base, mode, *odata, *client, auth.ClientID))
		}
	})
}
