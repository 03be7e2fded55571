package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/machina-go/machina/host/internal/pluginbuild"
)

func runPluginBuild(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina plugin build", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	out := fs.String("o", "", "output file (default dist/plugins/<folder>.wasm)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	verbose := fs.Bool("v", false, "show the Go toolchain's output")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: machina plugin build DIR [-o FILE] [--json] [-v]\n\n"+
			"Compiles DIR (a package main with plugin.toml) with GOOS=wasip1 GOARCH=wasm\n"+
			"-buildmode=c-shared -trimpath and embeds plugin.toml in the module.")
		fs.PrintDefaults()
	}
	dir, rest := splitPositional(args)
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if dir == "" && fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if dir == "" {
		fs.Usage()
		return 2
	}
	if *out == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			fmt.Fprintln(c.stderr, "machina plugin build:", err)
			return 1
		}
		*out = filepath.Join("dist", "plugins", filepath.Base(abs)+".wasm")
	}
	opts := pluginbuild.Options{}
	if *verbose {
		opts.Log = c.stderr
	}
	start := time.Now()
	fmt.Fprintf(c.stderr, "building %s ...\n", dir)
	res, err := pluginbuild.Build(ctx, dir, *out, opts)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina plugin build:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"path": res.Path, "sha256": res.SHA256, "size": res.Size,
			"name": res.Manifest.Name, "version": res.Manifest.Version})
		return 0
	}
	fmt.Fprintf(c.stdout, "%s %s -> %s (%d bytes, sha256 %s, %.1fs)\n", res.Manifest.Name, res.Manifest.Version,
		*out, res.Size, res.SHA256, time.Since(start).Seconds())
	return 0
}

// splitPositional takes a leading positional argument so flags may follow it
// ("build DIR -o x" as well as "build -o x DIR").
func splitPositional(args []string) (string, []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "", args
}
