package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/plugintest"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/sim/maximo/corpus"
)

// The conformance kit passes on the plugin as built, in every shape of the
// simulator and every corpus scenario, and its report lists them all. This
// is the one full kit run on this plugin in the test suite.
func TestConformanceKitPasses(t *testing.T) {
	rep := plugintest.Conforms(t, "plugins/cmms-maximo", "maximo")
	if rep.Skipped != 0 {
		t.Fatalf("%d checks skipped", rep.Skipped)
	}
	var shapes []string
	for _, s := range maxsim.Shapes() {
		shapes = append(shapes, s.Name)
	}
	if !slices.Equal(rep.ShapeNames(), shapes) {
		t.Fatalf("shapes exercised %v, want %v", rep.ShapeNames(), shapes)
	}
	scs, err := corpus.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for i, sc := range scs {
		if i >= len(rep.Corpus) || rep.Corpus[i].Name != sc.Name {
			t.Fatalf("corpus scenarios exercised %v, want all %d of scenarios.json", rep.Corpus, len(scs))
		}
		if c, ok := rep.Find("corpus/" + sc.Name); !ok || c.Status != "pass" {
			t.Fatalf("corpus/%s: %+v", sc.Name, c)
		}
	}
}

// mutant is a copy of the plugin with one change.
type mutant struct {
	name, file, from, to string
	// fails are checks the kit must fail, named in its verdict line.
	fails []string
	// shape and scenario are the simulator shape and the corpus scenario
	// the kit runs besides the default shape (no more: each costs a load).
	shape, scenario string
	// got is a fragment one failing check's text must contain.
	got string
}

// Copies of the plugin with a classic connector bug fail the kit with the
// check named: prefixes stripped only at the top level of a record,
// status_maxvalue ignored, a criticality mapped wrong (plugintest.Mutant
// builds each copy).
func TestConformanceKitCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mutant plugins")
	}
	for _, m := range []mutant{
		{name: "prefixes-top-level-only", file: "normalize.go",
			from:  "\t\tfor k, e := range x {\n\t\t\tnormalize(e)\n",
			to:    "\t\tfor k, e := range x {\n\t\t\tif k == \"rdfs:member\" || k == \"member\" || strings.HasSuffix(k, \"responseInfo\") || strings.HasSuffix(k, \"nextPage\") {\n\t\t\t\tnormalize(e)\n\t\t\t}\n",
			fails: []string{"corpus/nonlean-nested-spare-parts", "nonlean/list_spare_parts/asset"}, got: "spare_parts = [], want 2 elements",
			shape: "nonlean", scenario: "nonlean-nested-spare-parts"},
		{name: "status-maxvalue-ignored", file: "workorder.go",
			from:  "\tcode := internal\n",
			to:    "\tcode := \"\"\n",
			fails: []string{"corpus/wo-status-maxvalue", "status-synonyms/list_work_orders/filter"}, got: `work_orders[0].status = "created", want "assigned"`,
			shape: "status-synonyms", scenario: "wo-status-maxvalue"},
		{name: "criticality", file: "mapping.go",
			from:  "case p <= 1:\n\t\treturn abi.CriticalityA",
			to:    "case p <= 1:\n\t\treturn abi.CriticalityB",
			fails: []string{"corpus/nonlean-assets"}, got: `assets[1].criticality = "B", want "A"`,
			shape: "nonlean", scenario: "nonlean-assets"},
	} {
		t.Run(m.name, func(t *testing.T) {
			mod := plugintest.Mutant(t, "plugins/cmms-maximo", plugintest.Edit{File: m.file, Old: m.from, New: m.to})
			rep, code := plugintest.Kit(t, mod, "--shape", m.shape, "--corpus", m.scenario)
			found := false
			for _, name := range m.fails {
				c, _ := rep.Find(name)
				if code == 0 || c.Status != "fail" {
					t.Fatalf("the kit did not fail %s: %+v (exit %d)", name, c, code)
				}
				found = found || strings.Contains(c.Got, m.got)
			}
			if !found {
				t.Fatalf("no failing check says %q: %+v", m.got, rep.Checks)
			}
			if m.name != "prefixes-top-level-only" {
				return
			}
			// the text report names the check in its line and its verdict.
			text, _ := plugintest.KitText(t, mod, "--shape", m.shape, "--no-corpus")
			if !strings.Contains(text, "FAIL  nonlean/list_spare_parts/asset") || !strings.Contains(text, "RESULT: FAIL (") ||
				!strings.Contains(text, "nonlean/list_spare_parts/asset") || !strings.Contains(text, "expected:") {
				t.Fatalf("the report does not name the check:\n%s", text)
			}
		})
	}
}
