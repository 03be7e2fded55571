package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/internal/sim/simhttp"
)

// What the HTTP simulator commands (maximo, sap) share: credentials from the environment or generated
// into an env file, and serving until the context ends.

// httpSimFlags are the flags every HTTP CMMS simulator command has.
type httpSimFlags struct {
	listen, envFile      *string
	seed                 *uint64
	printConfig, verbose *bool
}

// addHTTPSimFlags defines the httpSimFlags on fs: listen is the default
// address, plugin the one whose configuration --print-config prints.
func addHTTPSimFlags(fs *flag.FlagSet, listen, plugin string) httpSimFlags {
	return httpSimFlags{
		listen:      fs.String("listen", listen, "`host:port` to listen on (port 0 picks a free port)"),
		seed:        fs.Uint64("seed", 1, "data seed (the same seed gives the same plant)"),
		envFile:     fs.String("env-file", "", "when the credential variables are unset, write generated credentials to this `file` (0600) as KEY=value lines (default: a new file in the temp directory)"),
		printConfig: fs.Bool("print-config", false, "print a machina.toml [[plugin]] block for "+plugin+" against this simulator"),
		verbose:     fs.Bool("v", false, "log every request (debug)"),
	}
}

// simLogger is a simulator's logger on stderr (every request with -v).
func simLogger(name string, w io.Writer, verbose bool) hclog.Logger {
	level := hclog.Info
	if verbose {
		level = hclog.Debug
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Output: w, Level: level})
}

// simCreds describes a simulator's credentials for simCredentials.
type simCreds[A any] struct {
	mode     string   // the auth mode's name
	none     bool     // the mode needs no credentials
	names    []string // the environment variables the mode reads
	pattern  string   // temp file pattern of a generated env file
	fromEnv  func() (A, bool)
	generate func() (A, error)
	vars     func(A) [][2]string
}

// simCredentials returns the credentials from the environment when they
// are all set, else generated ones written to envFile (mode 0600). Only
// the variable names and the file path are printed, never a value.
func simCredentials[A any](c *cli, envFile string, sc simCreds[A]) (A, error) {
	a, ok := sc.fromEnv()
	if sc.none {
		return a, nil
	}
	if ok {
		fmt.Fprintf(c.stdout, "using %s credentials from %s\n", sc.mode, strings.Join(sc.names, ", "))
		return a, nil
	}
	a, err := sc.generate()
	if err != nil {
		return a, err
	}
	path, err := simhttp.WriteEnvFile(envFile, sc.pattern, sc.vars(a))
	if err != nil {
		return a, fmt.Errorf("writing credentials: %w", err)
	}
	fmt.Fprintf(c.stdout, "generated %s credentials in %s (mode 0600): %s\n", sc.mode, path, strings.Join(sc.names, ", "))
	return a, nil
}

// serveSim serves h on listen until ctx ends (exit 0) or serving fails
// (1); banner prints what a user needs once the address is known.
func serveSim(ctx context.Context, c *cli, fs *flag.FlagSet, listen string, h http.Handler, banner func(base string)) int {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return c.exit(fs, 1, err)
	}
	banner("http://" + ln.Addr().String())
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		return 0
	case err := <-errc:
		return c.exit(fs, 1, err)
	}
}
