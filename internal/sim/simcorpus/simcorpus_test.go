package simcorpus

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/machina-go/machina/abi"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMatch(t *testing.T) {
	got := decode(t, `{"assets":[{"id":"A","type":"x","failure_modes":["P","Q"],"metadata":{"u":1}},{"id":"B","stock":null}],"skipped":1}`)
	for want, diffs := range map[string]string{
		`{"assets":[{"id":"A"},{"id":"B"}]}`:                                                  "",
		`{"assets":[{"id":"A","failure_modes":{"$contains":["Q"]}},{"stock":null}]}`:          "",
		`{"assets":[{"id":"A","metadata":{"v":{"$absent":true}}},{"nope":{"$absent":true}}]}`: "",
		`{"assets":[{"id":"B"},{"id":"B"}]}`:                                                  `assets[0].id = "A", want "B"`,
		`{"assets":[{"id":"A"}]}`:                                                             "want 1 elements",
		`{"assets":[{"metadata":{"u":{"$absent":true}}},{}]}`:                                 "assets[0].metadata.u = 1, want it absent",
		`{"assets":[{"failure_modes":{"$contains":["R"]}},{}]}`:                               `want it to contain "R"`,
		`{"skipped":"1"}`:                     `skipped = 1, want "1"`,
		`{"assets":[{"id":"A"},{"stock":0}]}`: "assets[1].stock = null (or absent), want 0",
	} {
		d := strings.Join(Match(decode(t, want), got), "; ")
		if (diffs == "") != (d == "") || !strings.Contains(d, diffs) {
			t.Errorf("Match(%s) = %q, want %q", want, d, diffs)
		}
	}
}

func TestLoadAndNotices(t *testing.T) {
	fsys := fstest.MapFS{
		"a.json": {Data: []byte(`{"member":[]}`)},
		"scenarios.json": {Data: []byte(`{"scenarios":[{"name":"s","op":"list_assets","serve":{"asset":["a.json"]},"expect":{"assets":[]},
			"notices":[{"notice":"unmapped_code","field":"worktype","code":"CAL"}]}]}`)},
		"bad.json": {Data: []byte(`{"scenarios":[{"name":"s","op":"list_assets","serve":{"asset":["missing.json"]},"expect":{}}]}`)},
	}
	scs, err := Load(fsys, "scenarios.json")
	if err != nil || len(scs) != 1 {
		t.Fatal(err)
	}
	fx, err := scs[0].Fixtures(fsys)
	if err != nil || string(fx["asset"][0]) != `{"member":[]}` || string(scs[0].RequestValue()) != "{}" {
		t.Fatalf("%v %q", err, fx)
	}
	cal := abi.Notice{Kind: abi.NoticeUnmapped, Field: "worktype", Code: "CAL"}
	if d := scs[0].CheckNotices([]abi.Notice{cal}); len(d) != 0 {
		t.Fatal(d)
	}
	d := scs[0].CheckNotices([]abi.Notice{cal, cal, {Kind: abi.NoticeSkipped, Field: "assetnum", Code: "x"}})
	if len(d) != 2 || !strings.Contains(d[0], "2 times") || !strings.Contains(d[1], "unexpected notice record_skipped") {
		t.Fatal(d)
	}
	if d := scs[0].CheckNotices(nil); len(d) != 1 || !strings.Contains(d[0], "missing") {
		t.Fatal(d)
	}
	if _, err := Load(fsys, "bad.json"); err == nil {
		t.Fatal("a scenario serving a missing file loaded")
	}
}
