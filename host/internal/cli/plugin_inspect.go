package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/manifest"
	"github.com/machina-go/machina/host/internal/wasmfile"
)

func runPluginInspect(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	asJSON := addJSONFlag(fs, "print JSON")
	file, wasm, code, ok := c.requireFile(fs, args)
	if !ok {
		return code
	}
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return c.fail(fs, err)
	}
	m, text, err := manifest.FromModule(mod)
	if err != nil {
		return c.fail(fs, err)
	}
	sum := sha256.Sum256(wasm)
	// The loader requires the exports to be exactly the operations the
	// plugin implements, so they are read here without running anything.
	exported := map[string]bool{}
	for _, e := range mod.ExportedFunctions() {
		exported[e] = true
	}
	ops := []abi.OpName{}
	for _, op := range abi.Operations() {
		if exported[string(op.Name)] && op.ForKind(m.Kind) {
			ops = append(ops, op.Name)
		}
	}
	report := map[string]any{
		"sha256": hex.EncodeToString(sum[:]), "size": len(wasm), "manifest": m,
		"exported_operations": ops,
	}
	if err := asJSON.print(c, report, func(w io.Writer) {
		fmt.Fprintf(w, "file:     %s\nsha256:   %s\nsize:     %d bytes\n", file, hex.EncodeToString(sum[:]), len(wasm))
		fmt.Fprintf(w, "plugin:   %s %s (%s, ABI %s)\n", m.Name, m.Version, m.Kind, m.ABI)
		fmt.Fprintf(w, "exported operations: %s\n", joinOps(ops))
		fmt.Fprintf(w, "\nembedded plugin.toml:\n%s\n", indent(string(text)))
	}); err != nil {
		return c.fail(fs, err)
	}
	return 0
}

func joinOps(ops []abi.OpName) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}
