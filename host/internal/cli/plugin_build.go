package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/machina-go/machina/host/internal/pluginbuild"
)

func runPluginBuild(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	out := fs.String("o", "", "output file (default dist/plugins/<folder>.wasm)")
	asJSON := addJSONFlag(fs, "print the result as JSON")
	verbose := fs.Bool("v", false, "show the Go toolchain's output")
	dir, code, ok := requireArg(fs, args)
	if !ok {
		return code
	}
	if *out == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return c.fail(fs, err)
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
		return c.fail(fs, err)
	}
	report := map[string]any{"path": res.Path, "sha256": res.SHA256, "size": res.Size,
		"name": res.Manifest.Name, "version": res.Manifest.Version,
		"registered_type": res.Exports.Type, "operations": res.Exports.Operations}
	if err := asJSON.print(c, report, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s -> %s (%d bytes, sha256 %s, %.1fs)\n", res.Manifest.Name, res.Manifest.Version,
			*out, res.Size, res.SHA256, time.Since(start).Seconds())
		if res.Exports.Type != "" {
			fmt.Fprintf(w, "  exports the operations of %s: %s\n", res.Exports.Type, joinOps(res.Exports.Operations))
		}
	}); err != nil {
		return c.fail(fs, err)
	}
	return 0
}
