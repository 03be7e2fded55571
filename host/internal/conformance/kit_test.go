package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/conformance"
	"github.com/machina-go/machina/host/internal/testplugin"
)

func writeModule(t *testing.T, dir string) string {
	t.Helper()
	wasm := testplugin.Build(t, dir)
	p := filepath.Join(t.TempDir(), filepath.Base(dir)+".wasm")
	if err := os.WriteFile(p, wasm, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// corpusSample are the corpus scenarios the kit's own test runs; every
// scenario in every shape is run on the plugin by plugins/cmms-maximo's
// TestConformanceKitPasses, which need not be repeated here.
var corpusSample = []string{"wo-status-maxvalue", "nonlean-nested-spare-parts", "paging-proxied-internal-host"}

// The reference connector passes every check with each auth mode: in the
// shapes and corpus scenarios asked for with the default mode, in the
// default shape with the others (the shape does not depend on the
// credential).
func TestMaximoPluginConforms(t *testing.T) {
	mod := writeModule(t, "plugins/cmms-maximo")
	for _, auth := range []string{"apikey", "basic", "bearer"} {
		var live bytes.Buffer
		opts := conformance.Options{Module: mod, Auth: auth, CacheDir: testplugin.CacheDir(t),
			Shapes: []string{"nonlean", "relative-hrefs", "proxied-host", "operating-locations"}, Corpus: corpusSample,
			OnCheck: func(c conformance.Check) { conformance.WriteCheck(&live, c) }}
		if auth != "apikey" {
			opts.Shapes, opts.NoCorpus = []string{"lean"}, true
		}
		rep, err := conformance.Run(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		conformance.WriteText(&b, rep)
		if !rep.OK() || rep.Skipped != 0 || rep.Passed < 25 {
			t.Fatalf("auth %s:\n%s", auth, b.String())
		}
		if live.Len() == 0 || !strings.Contains(b.String(), "RESULT: PASS") {
			t.Fatalf("output:\n%s", b.String())
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Fatal(err)
		}
		if auth != "apikey" {
			continue
		}
		// the shapes and corpus scenarios asked for ran, and the report
		// says which.
		if len(rep.Shapes) != 5 || len(rep.Corpus) != len(corpusSample) ||
			!strings.Contains(b.String(), "Shapes exercised (5): lean, nonlean, relative-hrefs, proxied-host, operating-locations") ||
			!strings.Contains(b.String(), "Corpus scenarios (") {
			t.Fatalf("shapes %v, %d corpus scenarios:\n%s", rep.Shapes, len(rep.Corpus), b.String())
		}
		for _, name := range []string{"nonlean/list_spare_parts/asset", "proxied-host/update_work_order", "relative-hrefs/list_assets/pagination",
			"operating-locations/list_assets/pagination", "corpus/wo-status-maxvalue", "corpus/nonlean-nested-spare-parts"} {
			if c, ok := rep.Find(name); !ok || c.Status != conformance.Pass {
				t.Errorf("check %s: %+v", name, c)
			}
		}
	}
}

// A plugin that implements only some operations and speaks another API
// fails the applicable checks with explanations and skips the rest.
func TestPartialPluginFailsWithNamedChecks(t *testing.T) {
	mod := writeModule(t, "pdk/examples/hello-cmms")
	rep, err := conformance.Run(context.Background(), conformance.Options{Module: mod, CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	conformance.WriteText(&b, rep)
	out := b.String()
	if rep.OK() || rep.Skipped == 0 {
		t.Fatalf("hello-cmms passed:\n%s", out)
	}
	if c, _ := rep.Find("list_assets/pagination"); c.Status != conformance.Fail || c.Expected == "" || c.Got == "" {
		t.Fatalf("check without explanation: %+v", c)
	}
	if c, _ := rep.Find("create_work_order"); c.Status != conformance.Skip || !strings.Contains(c.Got, "does not declare create_work_order") {
		t.Fatalf("skip not explained: %+v", c)
	}
	if !strings.Contains(out, "expected:") || !strings.Contains(out, "RESULT: FAIL (") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestKitSetupErrors(t *testing.T) {
	if _, err := conformance.Run(context.Background(), conformance.Options{Module: "nope.wasm"}); err == nil {
		t.Fatal("missing module accepted")
	}
	mod := filepath.Join(t.TempDir(), "x.wasm")
	os.WriteFile(mod, []byte("not wasm"), 0o600)
	if _, err := conformance.Run(context.Background(), conformance.Options{Module: mod, Sim: "nosuch"}); err == nil || !strings.Contains(err.Error(), "maximo") {
		t.Fatalf("unknown simulator: %v", err)
	}
	rep, err := conformance.Run(context.Background(), conformance.Options{Module: mod, CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := rep.Find("load"); rep.OK() || c.Status != conformance.Fail {
		t.Fatalf("garbage module: %+v", rep)
	}
}
