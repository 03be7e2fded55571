package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/machina-go/machina/host/plugin"
)

func runDemo(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dist := fs.String("plugins", "dist/plugins", "directory of built plugins")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	files, _ := filepath.Glob(filepath.Join(*dist, "*.wasm"))
	sort.Strings(files)
	if len(files) == 0 {
		fmt.Fprintf(c.stderr, "machina demo: no plugins in %s (run `make build`)\n", *dist)
		return 1
	}
	cache, _ := os.UserCacheDir()
	engine, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: filepath.Join(cache, "machina", "wazero")})
	if err != nil {
		fmt.Fprintln(c.stderr, "machina demo:", err)
		return 1
	}
	defer engine.Close(ctx)
	failed := 0
	for _, f := range files {
		wasm, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(c.stderr, "machina demo:", err)
			return 1
		}
		p, err := engine.Load(ctx, wasm, plugin.LoadOptions{Limits: plugin.Limits{PoolSize: 1}})
		if err != nil {
			fmt.Fprintf(c.stdout, "%-28s FAILED: %v\n", filepath.Base(f), err)
			failed++
			continue
		}
		d := p.Descriptor()
		ops := make([]string, len(d.Operations))
		for i, o := range d.Operations {
			ops[i] = string(o)
		}
		caps := make([]string, len(d.Capabilities))
		for i, cp := range d.Capabilities {
			caps[i] = string(cp)
		}
		fmt.Fprintf(c.stdout, "%-28s %s %s (%s, ABI %s) sha256 %s…\n    operations:   %s\n    capabilities: %s\n",
			filepath.Base(f), d.Name, d.Version, d.Kind, d.ABI, p.SHA256()[:16], strings.Join(ops, ", "), strings.Join(caps, ", "))
		p.Close(ctx)
	}
	if failed > 0 {
		return 1
	}
	return 0
}
