package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/conformance"
	"github.com/machina-go/machina/host/pluginbuild"
	"github.com/machina-go/machina/internal/testplugin"
)

// The conformance kit passes on the plugin as built.
func TestConformanceKitPasses(t *testing.T) {
	wasm := testplugin.Build(t, "plugins/cmms-maximo")
	path := filepath.Join(t.TempDir(), "cmms-maximo.wasm")
	if err := os.WriteFile(path, wasm, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := conformance.Run(context.Background(), conformance.Options{Module: path, CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Skipped != 0 {
		var b bytes.Buffer
		conformance.WriteText(&b, rep)
		t.Fatalf("conformance failed:\n%s", b.String())
	}
}

// Breaking one mapping in a copy of the plugin makes the kit fail, naming
// the check. The copy lives under testdata/ inside the module tree so the
// module's go.mod applies; it is removed afterwards.
func TestConformanceKitCatchesBrokenMapping(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a mutant plugin")
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "mutant-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.RemoveAll(dir)
		os.Remove("testdata") // only when empty
	})
	files, _ := filepath.Glob("*.go")
	files = append(files, "plugin.toml")
	for _, fn := range files {
		if strings.HasSuffix(fn, "_test.go") {
			continue
		}
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		if fn == "mapping.go" {
			// asset priority 1 must map to criticality A; make it B.
			const from, to = "case p <= 1:\n\t\treturn abi.CriticalityA", "case p <= 1:\n\t\treturn abi.CriticalityB"
			if strings.Count(string(b), from) != 1 {
				t.Fatalf("mapping.go no longer contains the mapping this test breaks: %q", from)
			}
			b = []byte(strings.Replace(string(b), from, to, 1))
		}
		if err := os.WriteFile(filepath.Join(dir, fn), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs, _ := filepath.Abs(dir)
	res, err := pluginbuild.Build(context.Background(), abs, filepath.Join(t.TempDir(), "mutant.wasm"), pluginbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := conformance.Run(context.Background(), conformance.Options{Module: res.Path, CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	conformance.WriteText(&b, rep)
	c, _ := rep.Find("get_asset/mapping")
	if rep.OK() || c.Status != conformance.Fail || !strings.Contains(c.Got, `criticality = "B", want "A"`) {
		t.Fatalf("the kit did not catch the broken mapping:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "FAIL  get_asset/mapping") || !strings.Contains(b.String(), "RESULT: FAIL (get_asset/mapping)") {
		t.Fatalf("the report does not name the check:\n%s", b.String())
	}
	if rep.Failed != 1 {
		t.Fatalf("expected exactly one failed check:\n%s", b.String())
	}
}
