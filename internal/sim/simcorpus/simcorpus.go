// Package simcorpus turns a vendor payload corpus into test scenarios: which
// recorded payloads a simulator serves, which operation a plugin is then
// asked, and what its response must contain. The expectations are written
// from the corpus's SOURCES.md (IBM's and SAP's published material), never
// from a plugin's code or tables, so one scenario file serves as the oracle
// for a plugin's native tests and for the conformance kit alike.
//
// It holds no payloads itself (each simulator embeds its corpus) and must
// not depend on any plugin or on the host.
package simcorpus

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/machina-go/machina/abi"
)

// Scenario is one corpus check.
type Scenario struct {
	// Name identifies it (the kit's check is "corpus/<name>").
	Name string `json:"name"`
	// Shape is the response shape it covers, in the words.
	Shape string `json:"shape"`
	// Source names the SOURCES.md entries its expectations come from.
	Source string `json:"source"`
	// Note records how an expectation was read, where SOURCES.md leaves
	// room.
	Note string `json:"note,omitempty"`
	// Serve lists, per kind of record, the fixture files the simulator
	// serves as collection pages, in order.
	Serve map[string][]string `json:"serve"`
	// Config is plugin configuration laid over the simulator's.
	Config map[string]any `json:"config,omitempty"`
	// Op and Request are the operation the plugin is asked.
	Op      abi.OpName      `json:"op"`
	Request json.RawMessage `json:"request,omitempty"`
	// Expect must be contained in the response (see Match).
	Expect json.RawMessage `json:"expect"`
	// Notices, when present (even empty), are exactly the notices the
	// plugin reports (kind, field and code; each once per call).
	Notices *[]abi.Notice `json:"notices,omitempty"`
}

// Load reads the scenarios of file in fsys and checks that every fixture
// they serve exists.
func Load(fsys fs.FS, file string) ([]Scenario, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Scenarios []Scenario `json:"scenarios"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	seen := map[string]bool{}
	for _, sc := range doc.Scenarios {
		if sc.Name == "" || seen[sc.Name] || sc.Op == "" || len(sc.Expect) == 0 {
			return nil, fmt.Errorf("%s: scenario %q: a unique name, op and expect are required", file, sc.Name)
		}
		seen[sc.Name] = true
		for _, files := range sc.Serve {
			for _, f := range files {
				if _, err := fs.Stat(fsys, f); err != nil {
					return nil, fmt.Errorf("%s: scenario %q: %w", file, sc.Name, err)
				}
			}
		}
	}
	return doc.Scenarios, nil
}

// Fixtures reads the pages sc serves, by kind.
func (sc Scenario) Fixtures(fsys fs.FS) (map[string][][]byte, error) {
	out := map[string][][]byte{}
	for kind, files := range sc.Serve {
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			out[kind] = append(out[kind], b)
		}
	}
	return out, nil
}

// RequestValue is the request as a JSON object ({} when empty).
func (sc Scenario) RequestValue() json.RawMessage {
	if len(sc.Request) == 0 {
		return json.RawMessage("{}")
	}
	return sc.Request
}

// CheckNotices compares the notices a plugin reported with sc.Notices (by
// kind, field and code), when the scenario names them.
func (sc Scenario) CheckNotices(got []abi.Notice) []string {
	if sc.Notices == nil {
		return nil
	}
	key := func(n abi.Notice) string { return string(n.Kind) + " " + n.Field + "=" + n.Code }
	count := map[string]int{}
	for _, n := range got {
		count[key(n)]++
	}
	var diffs []string
	want := map[string]bool{}
	for _, n := range *sc.Notices {
		want[key(n)] = true
		switch c := count[key(n)]; {
		case c == 0:
			diffs = append(diffs, "missing notice "+key(n))
		case c > 1:
			diffs = append(diffs, fmt.Sprintf("notice %s reported %d times, want once", key(n), c))
		}
	}
	var extra []string
	for k := range count {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		diffs = append(diffs, "unexpected notice "+k)
	}
	return diffs
}

// Match reports where got does not contain want (both decoded JSON):
//
//   - an object matches when every key of want matches got's value for it;
//     {"$absent": true} requires the key to be absent (or null), and
//     {"$contains": [...]} requires an array holding each listed value;
//   - an array matches an array of the same length, element by element;
//   - null matches null or an absent key; other scalars match when equal.
//
// Paths in the result are JSON-path-like ("work_orders[2].status").
func Match(want, got any) []string {
	var diffs []string
	match("", want, got, &diffs)
	return diffs
}

func match(path string, want, got any, diffs *[]string) {
	switch w := want.(type) {
	case map[string]any:
		if done := matchOperator(path, w, got, diffs); done {
			return
		}
		g, ok := got.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s = %s, want an object", orRoot(path), show(got)))
			return
		}
		for _, k := range sortedKeys(w) {
			match(join(path, k), w[k], g[k], diffs)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s = %s, want %d elements", orRoot(path), show(got), len(w)))
			return
		}
		for i := range w {
			match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], diffs)
		}
	default:
		if !equal(w, got) {
			*diffs = append(*diffs, fmt.Sprintf("%s = %s, want %s", orRoot(path), show(got), show(want)))
		}
	}
}

// matchOperator applies $absent and $contains; done is false for a plain
// object.
func matchOperator(path string, w map[string]any, got any, diffs *[]string) (done bool) {
	if v, ok := w["$absent"]; ok && len(w) == 1 {
		if v == true && got != nil {
			*diffs = append(*diffs, fmt.Sprintf("%s = %s, want it absent", orRoot(path), show(got)))
		}
		return true
	}
	if v, ok := w["$contains"]; ok && len(w) == 1 {
		list, _ := v.([]any)
		g, _ := got.([]any)
		for _, e := range list {
			found := false
			for _, x := range g {
				var d []string
				match("", e, x, &d)
				found = found || len(d) == 0
			}
			if !found {
				*diffs = append(*diffs, fmt.Sprintf("%s = %s, want it to contain %s", orRoot(path), show(got), show(e)))
			}
		}
		return true
	}
	return false
}

func equal(want, got any) bool {
	if want == nil {
		return got == nil
	}
	return fmt.Sprint(want) == fmt.Sprint(got) && fmt.Sprintf("%T", want) == fmt.Sprintf("%T", got)
}

func show(v any) string {
	if v == nil {
		return "null (or absent)"
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func orRoot(path string) string {
	if path == "" {
		return "the response"
	}
	return strings.TrimPrefix(path, ".")
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MatchResponse matches a response value (any JSON-encodable value)
// against sc.Expect.
func (sc Scenario) MatchResponse(resp any) ([]string, error) {
	var want, got any
	if err := json.Unmarshal(sc.Expect, &want); err != nil {
		return nil, fmt.Errorf("scenario %s: expect: %w", sc.Name, err)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &got); err != nil {
		return nil, err
	}
	return Match(want, got), nil
}
