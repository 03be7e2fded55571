package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/plugintest"
)

// The conformance kit passes on the plugin as built.
func TestConformanceKitPasses(t *testing.T) {
	if rep := plugintest.Conforms(t, "plugins/cmms-maximo", "maximo"); rep.Skipped != 0 {
		t.Fatalf("%d checks skipped", rep.Skipped)
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
	mutant := filepath.Join(t.TempDir(), "mutant.wasm")
	if msg := plugintest.Build(abs, mutant); msg != "" {
		t.Fatal(msg)
	}
	rep, code := plugintest.Kit(t, mutant)
	text, _ := plugintest.KitText(t, mutant)
	c, _ := rep.Find("get_asset/mapping")
	if code == 0 || c.Status != "fail" || !strings.Contains(c.Got, `criticality = "B", want "A"`) {
		t.Fatalf("the kit did not catch the broken mapping:\n%s", text)
	}
	if !strings.Contains(text, "FAIL  get_asset/mapping") || !strings.Contains(text, "RESULT: FAIL (get_asset/mapping)") {
		t.Fatalf("the report does not name the check:\n%s", text)
	}
	if rep.Failed != 1 {
		t.Fatalf("expected exactly one failed check:\n%s", text)
	}
}
