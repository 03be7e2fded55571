package maximo

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
	EnvAPIKey   = "MAXIMO_SIM_APIKEY"
	EnvUser     = "MAXIMO_SIM_USER"
	EnvPassword = "MAXIMO_SIM_PASSWORD"
	EnvToken    = "MAXIMO_SIM_TOKEN"
)

// CredentialEnv lists the environment variables a mode reads.
func CredentialEnv(mode AuthMode) []string {
	switch mode {
	case AuthAPIKey:
		return []string{EnvAPIKey}
	case AuthBasic:
		return []string{EnvUser, EnvPassword}
	case AuthBearer:
		return []string{EnvToken}
	}
	return nil
}

// authFromEnv reads the credentials of mode; ok is false when any is unset.
func authFromEnv(mode AuthMode, getenv func(string) string) (Auth, bool) {
	a := Auth{Mode: mode, APIKey: getenv(EnvAPIKey), Username: getenv(EnvUser), Password: getenv(EnvPassword), Token: getenv(EnvToken)}
	return a, a.validate() == nil
}

// RunSimCommand implements "machina sim maximo": it serves the simulator
// until ctx ends. Credentials come from the MAXIMO_SIM_* environment
// variables, or are generated and written to --env-file (mode 0600); they
// never appear in flags or on stdout. Exit codes: 0 ok, 1 failure, 2 usage.
func RunSimCommand(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string, args []string) int {
	fs := flag.NewFlagSet("machina sim maximo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9080", "`host:port` to listen on (port 0 picks a free port)")
	authName := fs.String("auth", "apikey", "authentication `mode`: apikey (header \"apikey\"), basic, bearer or none")
	seed := fs.Uint64("seed", 1, "data seed (the same seed gives the same plant)")
	minAssets := fs.Int("min-assets", 0, "pad the plant with extra equipment up to this many assets")
	envFile := fs.String("env-file", "", "when the credential variables are unset, write generated credentials to this `file` (0600) as KEY=value lines (default: a new file in the temp directory)")
	printConfig := fs.Bool("print-config", false, "print a machina.toml [[plugin]] block for cmms-maximo against this simulator")
	verbose := fs.Bool("v", false, "log every request (debug)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: machina sim maximo [flags]

Runs an IBM Maximo OSLC JSON API simulator (mxasset, mxwo, mxinventory, mxpm)
with a seeded plant until interrupted. Logs go to stderr.

Credentials are read from the environment (%s; %s and %s;
%s). When unset they are generated and written to --env-file; only the
variable names and the file path are printed.

Faults: GET|PUT|DELETE /_sim/faults with a JSON body such as
  {"unavailable":2} {"rate_limit":1,"retry_after":1} {"slow_ms":500} {"malformed":1} {"oversized":1,"oversized_bytes":5000000}
(counts apply to the next N requests, -1 to all); GET /_sim/stats counts requests and writes.

Flags:
`, EnvAPIKey, EnvUser, EnvPassword, EnvToken)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "machina sim maximo: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	mode, err := ParseAuthMode(*authName)
	if err != nil {
		fmt.Fprintf(stderr, "machina sim maximo: %v\n", err)
		return 2
	}
	level := hclog.Info
	if *verbose {
		level = hclog.Debug
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "sim-maximo", Output: stderr, Level: level})
	auth, ok := authFromEnv(mode, getenv)
	if !ok && mode != AuthNone {
		if auth, err = GenerateAuth(mode); err != nil {
			fmt.Fprintf(stderr, "machina sim maximo: %v\n", err)
			return 1
		}
		path, err := writeEnvFile(*envFile, auth)
		if err != nil {
			fmt.Fprintf(stderr, "machina sim maximo: writing credentials: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "generated %s credentials in %s (mode 0600): %s\n", mode, path, strings.Join(CredentialEnv(mode), ", "))
	} else if mode != AuthNone {
		fmt.Fprintf(stdout, "using %s credentials from %s\n", mode, strings.Join(CredentialEnv(mode), ", "))
	}
	srv, err := NewServer(Options{Auth: auth, Seed: *seed, MinAssets: *minAssets, Logger: logger})
	if err != nil {
		fmt.Fprintf(stderr, "machina sim maximo: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "machina sim maximo: %v\n", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "maximo simulator listening on %s (auth %s, %d assets)\n", base, mode, len(srv.Records(OSAsset)))
	if *printConfig {
		fmt.Fprint(stdout, ConfigSnippet(base, mode))
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
		fmt.Fprintf(stderr, "machina sim maximo: %v\n", err)
		return 1
	}
}

func writeEnvFile(path string, a Auth) (string, error) {
	var vars [][2]string
	switch a.Mode {
	case AuthAPIKey:
		vars = [][2]string{{EnvAPIKey, a.APIKey}}
	case AuthBasic:
		vars = [][2]string{{EnvUser, a.Username}, {EnvPassword, a.Password}}
	case AuthBearer:
		vars = [][2]string{{EnvToken, a.Token}}
	}
	return simhttp.WriteEnvFile(path, "maximo-sim-*.env", vars)
}

// ConfigSnippet returns a machina.toml block that points cmms-maximo at a
// simulator on base with the given auth mode; secrets are referenced by
// environment variable name only.
func ConfigSnippet(base string, mode AuthMode) string {
	var auth string
	switch mode {
	case AuthAPIKey:
		auth = "[plugin.grant.http.auth]\nprofile = \"header\"\nheader = \"apikey\"\ntoken_secret = \"maximo_apikey\"\n"
	case AuthBasic:
		auth = "[plugin.grant.http.auth]\nprofile = \"basic\"\nusername_secret = \"maximo_user\"\npassword_secret = \"maximo_password\"\n"
	case AuthBearer:
		auth = "[plugin.grant.http.auth]\nprofile = \"bearer\"\ntoken_secret = \"maximo_token\"\n"
	}
	secrets := map[AuthMode]string{
		AuthAPIKey: "maximo_apikey = \"env:" + EnvAPIKey + "\"\n",
		AuthBasic:  "maximo_user = \"env:" + EnvUser + "\"\nmaximo_password = \"env:" + EnvPassword + "\"\n",
		AuthBearer: "maximo_token = \"env:" + EnvToken + "\"\n",
	}[mode]
	return fmt.Sprintf(`
# machina.toml (excerpt)
[secrets]
%s
[[plugin]]
name = "cmms-maximo"
path = "dist/plugins/cmms-maximo.wasm"
sha256 = "<sha256 of the module>"
[plugin.config]
base_url = %q
page_size = 100
[[plugin.grant.http]]
origin = %q
allow_private = true
%s`, secrets, base, base, auth)
}
