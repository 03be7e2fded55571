package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/conformance"
	"github.com/machina-go/machina/host/internal/pluginbuild"
)

// runPluginTest implements `machina plugin test FILE [--sim NAME] [--json]`.
func runPluginTest(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	sim := fs.String("sim", "", "simulator to test against: "+strings.Join(conformance.SimulatorNames(), ", ")+" (default: <name> for a plugin named cmms-<name>, else maximo)")
	auth := fs.String("auth", "", "simulator authentication mode (maximo: apikey (default), basic, bearer; sap: oauth2 (default), basic)")
	preset := fs.String("preset", "", "cmms-rest preset to test, against the rest simulator in that vendor's dialect: "+strings.Join(conformance.Presets(), ", "))
	shapes := fs.String("shape", "", "comma-separated response shapes to run besides the default one (default: every shape the simulator serves)")
	corpus := fs.String("corpus", "", "comma-separated vendor payload corpus scenarios to run (default: every scenario)")
	noCorpus := fs.Bool("no-corpus", false, "skip the vendor payload corpus scenarios")
	asJSON := addJSONFlag(fs, "print the report as JSON on stdout")
	verbose := fs.Bool("v", false, "log the kit's diagnostics to stderr")
	file, code, ok := requireArg(fs, args)
	if !ok {
		return code
	}
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		// a plugin folder: build it first, as `machina plugin build` would.
		tmp, err := os.MkdirTemp("", "machina-plugin-test-*")
		if err != nil {
			return c.fail(fs, err)
		}
		defer os.RemoveAll(tmp)
		res, err := pluginbuild.Build(ctx, file, filepath.Join(tmp, filepath.Base(filepath.Clean(file))+".wasm"), pluginbuild.Options{})
		if err != nil {
			fmt.Fprintln(c.stderr, "machina plugin test: building", file+":", err)
			return 1
		}
		fmt.Fprintf(c.stderr, "built %s (sha256 %s)\n", file, res.SHA256)
		file = res.Path
	}
	if *sim == "" && *preset != "" {
		*sim = "rest"
	}
	if *sim == "" {
		*sim = conformance.DefaultSimulator(file)
	}
	level := hclog.Off
	if *verbose {
		level = hclog.Debug
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "conformance", Output: c.stderr, Level: level})
	cache, _ := os.UserCacheDir()
	var live io.Writer
	if !*asJSON.on {
		live = c.stdout
	}
	opts := conformance.Options{Module: file, Sim: *sim, Auth: *auth, Preset: *preset, CacheDir: filepath.Join(cache, "machina", "wazero"), Logger: logger, NoCorpus: *noCorpus}
	opts.Shapes, opts.Corpus = names(*shapes), names(*corpus)
	if live != nil {
		if *preset != "" {
			fmt.Fprintf(live, "Testing %s (preset %s) against the %s simulator…\n\n", file, *preset, *sim)
		} else {
			fmt.Fprintf(live, "Testing %s against the %s simulator…\n\n", file, *sim)
		}
		opts.OnCheck = func(ch conformance.Check) { conformance.WriteCheck(live, ch) }
	}
	rep, err := conformance.Run(ctx, opts)
	if err != nil {
		return c.fail(fs, err)
	}
	if err := asJSON.print(c, rep, func(w io.Writer) {
		fmt.Fprintln(w)
		conformance.WriteHeader(w, rep)
		conformance.WriteSummary(w, rep)
	}); err != nil {
		return c.fail(fs, err)
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// names splits a comma-separated list, dropping blanks.
func names(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
