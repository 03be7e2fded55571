package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/testplugin"
)

func TestPluginTestCommand(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", testplugin.CacheDir(t)) // compiled modules persist across runs
	wasm := testplugin.Build(t, "plugins/cmms-maximo")
	mod := filepath.Join(t.TempDir(), "cmms-maximo.wasm")
	if err := os.WriteFile(mod, wasm, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		return runCLI(t, nil, append([]string{"plugin", "test"}, args...)...)
	}
	// the command's plumbing, not the kit (whose every shape and scenario
	// TestConformanceKitPasses in plugins/cmms-maximo runs): one extra shape
	// and one corpus scenario.
	rc, out, errs := run(mod, "--shape", "nonlean", "--corpus", "wo-status-maxvalue")
	if rc != 0 || !strings.Contains(out, "RESULT: PASS") || !strings.Contains(out, "PASS  sandbox/gate") ||
		!strings.Contains(out, "PASS  nonlean/list_spare_parts/asset") || !strings.Contains(out, "PASS  corpus/wo-status-maxvalue") ||
		strings.Contains(out, "corpus/wo-status-map ") || strings.Contains(out, "relative-hrefs/") {
		t.Fatalf("exit %d\n%s\n%s", rc, out, errs)
	}
	rc, out, _ = run(mod, "--json", "--sim", "maximo", "--auth", "bearer", "--shape", "lean", "--no-corpus")
	var rep struct {
		Failed int `json:"failed"`
		Checks []struct{ Name, Status string }
	}
	if rc != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Failed != 0 || len(rep.Checks) < 25 {
		t.Fatalf("--json: exit %d\n%s", rc, out)
	}
	if rc, _, _ := run(); rc != 2 {
		t.Fatalf("no file: exit %d", rc)
	}
	if rc, _, errs := run(mod, "--sim", "nosuch"); rc != 1 || !strings.Contains(errs, "unknown simulator") {
		t.Fatalf("unknown simulator: exit %d %s", rc, errs)
	}
	if rc, _, errs := run(mod, "--corpus", "nosuch"); rc != 1 || !strings.Contains(errs, `unknown corpus scenario "nosuch" (known: paging-proxied-localhost,`) {
		t.Fatalf("unknown corpus scenario: exit %d %s", rc, errs)
	}
}

func TestSimCommandTable(t *testing.T) {
	if rc, _, errb := runCLI(t, nil, "sim"); rc != 2 || !strings.Contains(errb, "maximo") || !strings.Contains(errb, "opcua") {
		t.Fatalf("usage: %d %s", rc, errb)
	}
	if rc, _, _ := runCLI(t, nil, "sim", "nosuch"); rc != 2 {
		t.Fatalf("unknown: %d", rc)
	}
	if rc, _, _ := runCLI(t, nil, "sim", "maximo", "-h"); rc != 0 {
		t.Fatalf("maximo -h: %d", rc)
	}
}
