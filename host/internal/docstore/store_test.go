package docstore

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var probeQueries = []string{
	"How do I replace the mechanical seal on P-101?",
	"6310-2RS limiting speed",
	"valve keeps hunting and oscillating",
	"belt running off to one side of the conveyor",
	"sostituzione della tenuta meccanica della pompa P-101",
}

// snapshot runs the probe queries in every mode.
func snapshot(t *testing.T, s *Store) map[string][]Result {
	t.Helper()
	out := map[string][]Result{}
	for _, m := range []Mode{Hybrid, Lexical, Dense} {
		for _, q := range probeQueries {
			rs, err := s.Search(context.Background(), Query{Text: q, TopK: 8, Mode: m})
			if err != nil {
				t.Fatal(err)
			}
			out[m.String()+"|"+q] = rs
		}
	}
	return out
}

func TestRestartAndIncrementalIngest(t *testing.T) {
	ctx := context.Background()
	docs := copySamples(t)
	data := filepath.Join(t.TempDir(), "store")

	s1, err := Open(ctx, Options{Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s1.IngestDir(ctx, docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 9 || sum.Failed != 0 || sum.TotalChunks == 0 || sum.TotalChunks != sum.ChunksWritten {
		t.Fatalf("first ingest summary: %+v", sum)
	}
	before := snapshot(t, s1)
	stats := s1.Stats()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Search(ctx, Query{Text: "seal"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("search on closed store: %v", err)
	}

	// Permissions: directories 0750, files 0600.
	err = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o750
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s: mode %v, want at most %v", p, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Reopen: same contents, same answers.
	s2 := openStore(t, data)
	if got := s2.Stats(); got != stats {
		t.Fatalf("stats after reopen %+v, want %+v", got, stats)
	}
	after := snapshot(t, s2)
	if !reflect.DeepEqual(before, after) {
		for k := range before {
			if !reflect.DeepEqual(before[k], after[k]) {
				t.Errorf("%s: results differ after restart", k)
			}
		}
		t.FailNow()
	}

	// Unchanged re-ingest touches nothing.
	sum, err = s2.IngestDir(ctx, docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged != 9 || sum.Added+sum.Updated+sum.Removed != 0 || sum.ChunksWritten != 0 {
		t.Fatalf("no-op re-ingest summary: %+v", sum)
	}

	// Change one file, remove one, add one.
	gear := filepath.Join(docs, "gearbox_g401_manual.txt")
	b, err := os.ReadFile(gear)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, "\n6 BREATHER MAINTENANCE\n\nReplace the desiccant breather cartridge when the silica gel turns pink-zebra.\n"...)
	if err := os.WriteFile(gear, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(docs, "control_valve_fv601_manual.md")); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(docs, "extra")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "agitator_a801_notes.md"),
		[]byte("# Agitator A-801\n\n## 1 Gear unit\n\nCheck the agitator gear unit oil quarterly.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err = s2.IngestDir(ctx, docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || sum.Updated != 1 || sum.Removed != 1 || sum.Unchanged != 7 {
		t.Fatalf("incremental summary: %+v", sum)
	}
	if sum.ChunksRemoved == 0 || sum.ChunksWritten == 0 {
		t.Fatalf("incremental chunk counts: %+v", sum)
	}

	// The removed manual's chunks are gone, in every mode, also after a restart.
	check := func(s *Store) {
		t.Helper()
		for _, m := range []Mode{Hybrid, Lexical, Dense} {
			rs, err := s.Search(ctx, Query{Text: "FV-601 positioner calibration packing", TopK: 50, Mode: m})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Source == "control_valve_fv601_manual.md" {
					t.Fatalf("%v: removed file still returned: %+v", m, r)
				}
			}
			rs, err = s.Search(ctx, Query{Text: "pink-zebra silica gel breather", TopK: 3, Mode: m})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 || rs[0].Source != "gearbox_g401_manual.txt" || rs[0].SectionTitle != "6 BREATHER MAINTENANCE" {
				t.Fatalf("%v: changed file not re-ingested: %+v", m, rs)
			}
		}
		rs, err := s.Search(ctx, Query{Text: "agitator gear unit oil", TopK: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 || rs[0].Source != "agitator_a801_notes.md" {
			t.Fatalf("new file not found: %+v", rs)
		}
	}
	check(s2)
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	check(openStore(t, data))
}

func TestIngestDeterministicAcrossDirectories(t *testing.T) {
	a, _, _ := ingestSamples(t)
	b, _, _ := ingestSamples(t)
	for _, m := range []Mode{Hybrid, Lexical, Dense} {
		for _, q := range probeQueries {
			ra, _ := a.Search(context.Background(), Query{Text: q, TopK: 10, Mode: m})
			rb, _ := b.Search(context.Background(), Query{Text: q, TopK: 10, Mode: m})
			if len(ra) != len(rb) {
				t.Fatalf("%v %q: %d vs %d results", m, q, len(ra), len(rb))
			}
			for i := range ra {
				if ra[i].Source != rb[i].Source || ra[i].SectionTitle != rb[i].SectionTitle || ra[i].Score != rb[i].Score {
					t.Fatalf("%v %q #%d: %s § %s %v vs %s § %s %v", m, q, i,
						ra[i].Source, ra[i].SectionTitle, ra[i].Score, rb[i].Source, rb[i].SectionTitle, rb[i].Score)
				}
			}
		}
	}
}

func TestInjectionFlaggedDelimitedAndPathFree(t *testing.T) {
	s, _, sum := ingestSamples(t)

	// The ingest summary reports the flagged chunk with its reasons.
	var found *FlaggedChunk
	for i, f := range sum.Flagged {
		if f.Source == "pump_p102_service_bulletin.md" {
			found = &sum.Flagged[i]
		}
	}
	if found == nil || sum.FlaggedChunks != len(sum.Flagged) {
		t.Fatalf("flagged chunks in summary: %+v", sum.Flagged)
	}
	for _, want := range []string{"ignore-instructions", "role-change", "tool-call-json", "covert-action"} {
		if !contains(found.Reasons, want) {
			t.Errorf("reasons %v lack %s", found.Reasons, want)
		}
	}
	// The clean manuals are not flagged.
	if len(sum.Flagged) != 1 {
		t.Errorf("expected exactly one flagged chunk, got %+v", sum.Flagged)
	}

	rs, err := s.Search(context.Background(), Query{Text: "P-102 wear ring clearance measurement sheets note for automated assistants", TopK: 5, Filters: map[string]string{"asset_id": "P-102"}})
	if err != nil {
		t.Fatal(err)
	}
	var flagged, paths int
	for _, r := range rs {
		if r.Flagged {
			flagged++
			if !strings.Contains(strings.ToLower(r.Content), "ignore previous instructions") {
				t.Errorf("flagged chunk lost its text: %q", r.Content)
			}
		}
		if strings.Contains(r.Content, "secret.md") {
			paths++
		}
		if !filepath.IsAbs(r.RawSource) || r.Source != "pump_p102_service_bulletin.md" {
			t.Errorf("source %q raw %q", r.Source, r.RawSource)
		}
	}
	if flagged != 1 || paths != 1 {
		t.Fatalf("want the flagged chunk and the path chunk in the results, got flagged=%d paths=%d: %+v", flagged, paths, rs)
	}

	leaks := []string{"/home/", "jdoe", `C:\`, `\Users`, "/tmp/", os.TempDir()}
	noLeak := func(what, text string) {
		t.Helper()
		for _, l := range leaks {
			if strings.Contains(text, l) {
				t.Errorf("%s leaks %q:\n%s", what, l, text)
			}
		}
	}

	// Tool results: the reference shape plus flagged, no paths anywhere.
	tr, err := s.SearchManuals(context.Background(), "wear ring clearance automated assistants", 5, "p-102", nil)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(tr)
	noLeak("tool result JSON", string(j))
	var generic []map[string]any
	if err := json.Unmarshal(j, &generic); err != nil {
		t.Fatal(err)
	}
	sawFlag := false
	for _, g := range generic {
		for _, k := range []string{"source", "page", "content", "score", "chunk_id", "section_title", "is_table"} {
			if _, ok := g[k]; !ok {
				t.Errorf("tool result lacks %q: %v", k, g)
			}
		}
		if g["flagged"] == true {
			sawFlag = true
		}
		if len(g) > 8 {
			t.Errorf("unexpected extra keys: %v", g)
		}
	}
	if !sawFlag {
		t.Error("no flagged tool result")
	}
	rj, _ := json.Marshal(rs)
	noLeak("result JSON", string(rj))

	// Untrusted formatting: one block per result, markers inside the text
	// neutralised, no paths.
	out := FormatUntrusted(rs)
	noLeak("FormatUntrusted", out)
	if n := strings.Count(out, "<<<UNTRUSTED DOCUMENT ["); n != len(rs) {
		t.Errorf("%d opening markers for %d results:\n%s", n, len(rs), out)
	}
	if n := strings.Count(out, "<<<END UNTRUSTED DOCUMENT ["); n != len(rs) {
		t.Errorf("%d closing markers for %d results (forged marker not neutralised?):\n%s", n, len(rs), out)
	}
	if !strings.Contains(out, "flagged=true") || !strings.HasPrefix(out, UntrustedPreamble) {
		t.Errorf("missing flag or preamble:\n%s", out)
	}
	// Blocks are well nested: each opening n is followed by its own end n.
	for i := range rs {
		open := strings.Index(out, "<<<UNTRUSTED DOCUMENT ["+itoa(i+1)+"]")
		end := strings.Index(out, "<<<END UNTRUSTED DOCUMENT ["+itoa(i+1)+"]>>>")
		if open < 0 || end < open {
			t.Errorf("block %d malformed", i+1)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestFilters(t *testing.T) {
	s, _, _ := ingestSamples(t)
	ctx := context.Background()
	search := func(f map[string]string) []Result {
		t.Helper()
		rs, err := s.Search(ctx, Query{Text: "bearing oil lubrication interval", TopK: 50, Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	all := search(nil)
	p101 := search(map[string]string{"asset_id": " p-101 "})
	if len(p101) == 0 || len(p101) >= len(all) {
		t.Fatalf("asset filter: %d of %d", len(p101), len(all))
	}
	sawDatasheet := false
	for _, r := range p101 {
		if !strings.Contains(","+r.Metadata["asset_id"]+",", ",P-101,") {
			t.Errorf("asset filter returned %s (%s)", r.Source, r.Metadata["asset_id"])
		}
		if r.Source == "bearing_6310-2rs_datasheet.md" {
			sawDatasheet = true // multi-asset document matches either asset
		}
	}
	if !sawDatasheet {
		t.Error("multi-asset datasheet not matched by asset filter")
	}
	for _, tc := range []struct {
		f    map[string]string
		key  string
		want string
	}{
		{map[string]string{"doc_type": "Procedure"}, "doc_type", "procedure"},
		{map[string]string{"manufacturer": "Ventus Kompressoren"}, "manufacturer", "Ventus Kompressoren"},
		{map[string]string{"vendor": "Getriebebau Ost"}, "manufacturer", "Getriebebau Ost"},
		{map[string]string{"section_title": "5.2 Lubrication"}, "section_title", "5.2 Lubrication"},
		{map[string]string{"language": "en"}, "language", "en"},
	} {
		rs := search(tc.f)
		if len(rs) == 0 {
			t.Errorf("%v: no results", tc.f)
		}
		for _, r := range rs {
			if r.Metadata[tc.key] != tc.want {
				t.Errorf("%v returned %s with %s=%q", tc.f, r.Source, tc.key, r.Metadata[tc.key])
			}
		}
	}
	if rs := search(map[string]string{"asset_id": "X-999"}); len(rs) != 0 {
		t.Errorf("unknown asset returned %d results", len(rs))
	}
	if rs := search(map[string]string{"asset_id": ""}); len(rs) != len(all) {
		t.Errorf("empty filter value should be ignored")
	}
	for _, m := range []Mode{Lexical, Dense} {
		rs, err := s.Search(ctx, Query{Text: "oil", TopK: 50, Mode: m, Filters: map[string]string{"asset_id": "G-401"}})
		if err != nil || len(rs) == 0 {
			t.Fatalf("%v: %v %d", m, err, len(rs))
		}
		for _, r := range rs {
			if !strings.Contains(r.Metadata["asset_id"], "G-401") {
				t.Errorf("%v filter leak: %s", m, r.Source)
			}
		}
	}
	// The sidecar's reserved key was rejected, its scalar kept.
	rs := search(map[string]string{"asset_id": "C-201"})
	if len(rs) == 0 || rs[0].Metadata["revision"] != "3" {
		t.Fatalf("sidecar metadata: %+v", rs)
	}
	for _, r := range rs {
		if _, bad := r.Metadata["score"]; bad {
			t.Error("reserved key score survived")
		}
	}
}

func TestSearchArguments(t *testing.T) {
	s, _, _ := ingestSamples(t)
	ctx := context.Background()
	if _, err := s.Search(ctx, Query{Text: "   "}); !errors.Is(err, ErrEmptyQuery) {
		t.Fatalf("blank query: %v", err)
	}
	if _, err := s.Search(ctx, Query{Text: "x", Mode: Mode(9)}); err == nil {
		t.Fatal("bad mode accepted")
	}
	rs, err := s.Search(ctx, Query{Text: "seal"})
	if err != nil || len(rs) != DefaultTopK {
		t.Fatalf("default top_k: %d %v", len(rs), err)
	}
	rs, err = s.Search(ctx, Query{Text: "seal", TopK: 1000})
	if err != nil || len(rs) > MaxTopK {
		t.Fatalf("top_k cap: %d %v", len(rs), err)
	}
	if _, err := ParseMode("fuzzy"); err == nil {
		t.Fatal("ParseMode accepted fuzzy")
	}
	// An empty store answers with nothing, not an error.
	empty := openStore(t, t.TempDir())
	if rs, err := empty.Search(ctx, Query{Text: "seal"}); err != nil || len(rs) != 0 {
		t.Fatalf("empty store: %v %v", rs, err)
	}
}

func TestBadInputLeavesStateIntact(t *testing.T) {
	ctx := context.Background()
	s, docs, first := ingestSamples(t)
	if _, err := s.IngestDir(ctx, filepath.Join(docs, "missing"), nil); err == nil {
		t.Fatal("missing directory accepted")
	}
	if _, err := s.IngestDir(ctx, filepath.Join(docs, "pump_p101_manual.md"), nil); err == nil {
		t.Fatal("file accepted as directory")
	}
	// A malformed PDF and a malformed sidecar are reported; the rest ingests.
	if err := os.WriteFile(filepath.Join(docs, "broken.pdf"), []byte("%PDF-1.4\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "pump_p101_manual.md.meta.toml"), []byte("asset_id = [unclosed"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := s.IngestDir(ctx, docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 2 || len(sum.Errors) != 2 || sum.Unchanged != 8 {
		t.Fatalf("summary: %+v", sum)
	}
	for _, e := range sum.Errors {
		if strings.Contains(e.Error, docs) {
			t.Errorf("error leaks the directory: %q", e.Error)
		}
	}
	// The pump manual whose sidecar broke keeps its previous chunks.
	if got := s.Stats().Chunks; got != first.TotalChunks {
		t.Fatalf("chunks %d, want %d", got, first.TotalChunks)
	}
	rs, err := s.Search(ctx, Query{Text: "mechanical seal replacement", TopK: 1})
	if err != nil || len(rs) == 0 || rs[0].Source != "pump_p101_manual.md" {
		t.Fatalf("previous chunks lost: %+v %v", rs, err)
	}
	// A file where a directory should be is refused.
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Options{Dir: f}); err == nil {
		t.Fatal("file accepted as data directory")
	}
	if _, err := Open(ctx, Options{}); err == nil {
		t.Fatal("empty data directory accepted")
	}
}

// otherEmbedder is a different vector space.
type otherEmbedder struct{ LocalEmbedder }

func (otherEmbedder) Name() string { return "other/512" }

func TestEmbedderChangeStartsClean(t *testing.T) {
	ctx := context.Background()
	docs := copySamples(t)
	data := t.TempDir()
	s := openStore(t, data)
	if _, err := s.IngestDir(ctx, docs, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, Options{Dir: data, Embedder: otherEmbedder{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if st := s2.Stats(); st.Chunks != 0 || st.Embedder != "other/512" {
		t.Fatalf("stats after embedder change: %+v", st)
	}
	sum, err := s2.IngestDir(ctx, docs, nil)
	if err != nil || sum.Added != 9 {
		t.Fatalf("re-ingest after embedder change: %+v %v", sum, err)
	}
}

func TestProgressReports(t *testing.T) {
	docs := copySamples(t)
	s := openStore(t, t.TempDir())
	var files []string
	var phases []string
	_, err := s.IngestDir(context.Background(), docs, func(p Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		if p.Phase == "file" {
			files = append(files, p.File)
			if p.Done != len(files) || p.Total != 9 {
				t.Errorf("progress %+v", p)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(phases, ",") != "scan,file,save" || len(files) != 9 {
		t.Fatalf("phases %v files %v", phases, files)
	}
	for _, f := range files {
		if filepath.IsAbs(f) {
			t.Errorf("progress shows absolute path %q", f)
		}
	}
}

func TestCancelledIngest(t *testing.T) {
	docs := copySamples(t)
	s := openStore(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.IngestDir(ctx, docs, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ingest: %v", err)
	}
	if st := s.Stats(); st.Chunks != 0 || st.Files != 0 {
		t.Fatalf("cancelled ingest changed state: %+v", st)
	}
}

func TestSymlinkedDirectory(t *testing.T) {
	docs := copySamples(t)
	link := filepath.Join(t.TempDir(), "manuals")
	if err := os.Symlink(docs, link); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	s := openStore(t, t.TempDir())
	ctx := context.Background()
	sum, err := s.IngestDir(ctx, docs, nil)
	if err != nil || sum.Added != 9 {
		t.Fatalf("%+v %v", sum, err)
	}
	// The same directory through a link is the same directory.
	sum, err = s.IngestDir(ctx, link, nil)
	if err != nil || sum.Unchanged != 9 || sum.Removed != 0 || sum.Added != 0 {
		t.Fatalf("through symlink: %+v %v", sum, err)
	}
}

func TestConcurrentSearchDuringIngest(t *testing.T) {
	s, docs, _ := ingestSamples(t)
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(docs, "extra_notes.md"), []byte("# Notes\n\n## 1 Seal\n\nSeal notes for P-101.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.IngestDir(ctx, docs, nil)
		done <- err
	}()
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			for i := 0; i < 20; i++ {
				if _, err := s.Search(ctx, Query{Text: probeQueries[i%len(probeQueries)], Mode: Mode(i % 3)}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < 4; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
