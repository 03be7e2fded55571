package plugintest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Edit replaces Old with New in File (a file of the plugin folder). Old
// must occur exactly once.
type Edit struct {
	File, Old, New string
}

// modulePath matches the module line of go.mod.
var modulePath = regexp.MustCompile(`(?m)^module\s+\S+\s*$`)

// Mutant builds a deliberately broken copy of the plugin folder dir
// (relative to the repository root, or absolute) with edits applied, and
// returns the path of its module. It is how a test proves that the
// conformance kit catches a plugin that is wrong in a known way: the copy
// lives in a temporary module whose go.mod requires what the repository
// requires and replaces this module by the repository itself, so it builds
// offline with the repository's go.sum.
func Mutant(tb testing.TB, dir string, edits ...Edit) string {
	tb.Helper()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(Root(), dir)
	}
	tmp := tb.TempDir()
	src := filepath.Join(tmp, filepath.Base(dir))
	if err := os.MkdirAll(src, 0o755); err != nil {
		tb.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasSuffix(n, "_test.go") || (!strings.HasSuffix(n, ".go") && n != "plugin.toml") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			tb.Fatal(err)
		}
		files[n] = string(b)
	}
	for _, e := range edits {
		text, ok := files[e.File]
		if !ok || strings.Count(text, e.Old) != 1 {
			tb.Fatalf("mutant of %s: %q must occur exactly once in %s", filepath.Base(dir), e.Old, e.File)
		}
		files[e.File] = strings.Replace(text, e.Old, e.New, 1)
	}
	for n, text := range files {
		if err := os.WriteFile(filepath.Join(src, n), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	mod, err := os.ReadFile(filepath.Join(Root(), "go.mod"))
	if err != nil {
		tb.Fatal(err)
	}
	gomod := modulePath.ReplaceAllString(string(mod), "module example.com/mutant") +
		"\nrequire github.com/machina-go/machina v0.0.0\n\nreplace github.com/machina-go/machina => " + Root() + "\n"
	sum, err := os.ReadFile(filepath.Join(Root(), "go.sum"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(gomod), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(tmp, filepath.Base(dir)+"-mutant.wasm")
	if msg := Build(src, out); msg != "" {
		tb.Fatalf("building the mutant of %s: %s", filepath.Base(dir), msg)
	}
	return out
}
