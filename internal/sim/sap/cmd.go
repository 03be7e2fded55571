package sap

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/machina-go/machina/internal/sim/simhttp"

	"github.com/hashicorp/go-hclog"
)

// Environment variables that hold the simulator's credentials.
const (
	EnvUser         = "SAP_SIM_USER"
	EnvPassword     = "SAP_SIM_PASSWORD"
	EnvClientID     = "SAP_SIM_CLIENT_ID"
	EnvClientSecret = "SAP_SIM_CLIENT_SECRET"
)

// CredentialEnv lists the environment variables a mode reads.
func CredentialEnv(mode AuthMode) []string {
	switch mode {
	case AuthBasic:
		return []string{EnvUser, EnvPassword}
	case AuthOAuth2:
		return []string{EnvClientID, EnvClientSecret}
	}
	return nil
}

func authFromEnv(mode AuthMode, getenv func(string) string) (Auth, bool) {
	a := Auth{Mode: mode, Username: getenv(EnvUser), Password: getenv(EnvPassword),
		ClientID: getenv(EnvClientID), ClientSecret: getenv(EnvClientSecret)}
	return a, a.validate() == nil
}

// RunSimCommand implements "machina sim sap": it serves the simulator until
// ctx ends. Credentials come from the SAP_SIM_* environment variables, or
// are generated and written to --env-file (mode 0600); they never appear
// in flags or on stdout. Exit codes: 0 ok, 1 failure, 2 usage.
func RunSimCommand(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string, args []string) int {
	fs := flag.NewFlagSet("machina sim sap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9081", "`host:port` to listen on (port 0 picks a free port)")
	odata := fs.String("odata", V2, "OData protocol `version` of the bodies: v2 (d.results, __next) or v4 (value, @odata.nextLink)")
	authName := fs.String("auth", "basic", "authentication `mode`: basic, oauth2 (client credentials at /oauth/token) or none")
	client := fs.String("sap-client", "100", "SAP `client` every request must name in the sap-client header (empty: not checked)")
	csrfTTL := fs.Duration("csrf-ttl", 30*time.Minute, "how long a CSRF token stays valid")
	pageSize := fs.Int("server-page-size", 1000, "most entities per response before server-driven paging")
	seed := fs.Uint64("seed", 1, "data seed (the same seed gives the same plant)")
	minEquipment := fs.Int("min-equipment", 0, "pad the plant with extra equipment up to this many")
	envFile := fs.String("env-file", "", "when the credential variables are unset, write generated credentials to this `file` (0600) as KEY=value lines (default: a new file in the temp directory)")
	printConfig := fs.Bool("print-config", false, "print a machina.toml [[plugin]] block for cmms-sap against this simulator")
	verbose := fs.Bool("v", false, "log every request (debug)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: machina sim sap [flags]

Runs an SAP PM OData simulator (API_EQUIPMENT, API_MAINTENANCEORDER,
API_MAINTENANCEPLAN, API_MAINTNOTIFICATION, API_BILL_OF_MATERIAL_SRV under
%s) with a seeded plant until interrupted. Writes need a CSRF token
(X-CSRF-Token: Fetch) bound to the session cookie. Logs go to stderr.

Credentials are read from the environment (%s and %s; %s and %s).
When unset they are generated and written to --env-file; only the variable
names and the file path are printed.

Faults: GET|PUT|DELETE /_sim/faults with a JSON body such as
  {"unavailable":2} {"rate_limit":1,"retry_after":1} {"slow_ms":500} {"malformed":1}
  {"oversized":1,"oversized_bytes":5000000} {"csrf_reject":1} {"reflect_headers":1}
(counts apply to the next N requests, -1 to all); POST /_sim/csrf/expire expires
every CSRF token; GET /_sim/stats counts requests, writes and CSRF events.

Flags:
`, BasePath, EnvUser, EnvPassword, EnvClientID, EnvClientSecret)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "machina sim sap: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	mode, err := ParseAuthMode(*authName)
	if err != nil {
		fmt.Fprintf(stderr, "machina sim sap: %v\n", err)
		return 2
	}
	if *odata != V2 && *odata != V4 {
		fmt.Fprintf(stderr, "machina sim sap: --odata must be v2 or v4\n")
		return 2
	}
	level := hclog.Info
	if *verbose {
		level = hclog.Debug
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "sim-sap", Output: stderr, Level: level})
	auth, ok := authFromEnv(mode, getenv)
	if !ok && mode != AuthNone {
		if auth, err = GenerateAuth(mode); err != nil {
			fmt.Fprintf(stderr, "machina sim sap: %v\n", err)
			return 1
		}
		path, err := writeEnvFile(*envFile, auth)
		if err != nil {
			fmt.Fprintf(stderr, "machina sim sap: writing credentials: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "generated %s credentials in %s (mode 0600): %s\n", mode, path, strings.Join(CredentialEnv(mode), ", "))
	} else if mode != AuthNone {
		fmt.Fprintf(stdout, "using %s credentials from %s\n", mode, strings.Join(CredentialEnv(mode), ", "))
	}
	srv, err := NewServer(Options{Auth: auth, ODataVersion: *odata, SAPClient: *client, CSRFTTL: *csrfTTL,
		ServerPageSize: *pageSize, Seed: *seed, MinEquipment: *minEquipment, Logger: logger})
	if err != nil {
		fmt.Fprintf(stderr, "machina sim sap: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "machina sim sap: %v\n", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "sap simulator listening on %s%s (OData %s, auth %s, sap-client %q, %d equipment)\n",
		base, BasePath, *odata, mode, *client, len(srv.Records(SetEquipment)))
	if *printConfig {
		fmt.Fprint(stdout, ConfigSnippet(base, mode, *odata, *client, auth.ClientID))
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		return 0
	case err := <-errc:
		fmt.Fprintf(stderr, "machina sim sap: %v\n", err)
		return 1
	}
}

func writeEnvFile(path string, a Auth) (string, error) {
	var vars [][2]string
	switch a.Mode {
	case AuthBasic:
		vars = [][2]string{{EnvUser, a.Username}, {EnvPassword, a.Password}}
	case AuthOAuth2:
		vars = [][2]string{{EnvClientID, a.ClientID}, {EnvClientSecret, a.ClientSecret}}
	}
	return simhttp.WriteEnvFile(path, "sap-sim-*.env", vars)
}

// ConfigSnippet returns a machina.toml block that points cmms-sap at a
// simulator on base; secrets are referenced by environment variable name
// only (the OAuth2 client id is not a secret and is written as is).
func ConfigSnippet(base string, mode AuthMode, version, client, clientID string) string {
	var auth, secrets string
	switch mode {
	case AuthBasic:
		auth = "[plugin.grant.http.auth]\nprofile = \"basic\"\nusername_secret = \"sap_user\"\npassword_secret = \"sap_password\"\n"
		secrets = "sap_user = \"env:" + EnvUser + "\"\nsap_password = \"env:" + EnvPassword + "\"\n"
	case AuthOAuth2:
		auth = fmt.Sprintf("[plugin.grant.http.auth]\nprofile = \"oauth2_client_credentials\"\ntoken_url = %q\nclient_id = %q\nclient_secret_secret = \"sap_client_secret\"\n", base+TokenPath, clientID)
		secrets = "sap_client_secret = \"env:" + EnvClientSecret + "\"\n"
	}
	return fmt.Sprintf(`
# machina.toml (excerpt)
[secrets]
%s
[[plugin]]
name = "cmms-sap"
path = "dist/plugins/cmms-sap.wasm"
sha256 = "<sha256 of the module>"
[plugin.config]
base_url = %q
odata_version = %q
sap_client = %q
bom_equipment_field = "Equipment"
[[plugin.grant.http]]
origin = %q
allow_private = true
%s`, secrets, base+BasePath, version, client, base, auth)
}
