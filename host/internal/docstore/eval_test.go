package docstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// labelledQuery is one entry of samples/manuals/queries.json.
type labelledQuery struct {
	ID      string `json:"id"`
	Query   string `json:"query"`
	Source  string `json:"source"`
	Section string `json:"section"`
}

// evalScores are retrieval metrics over the labelled set.
type evalScores struct {
	recall5 float64 // share of queries with a relevant chunk in the top 5
	mrr     float64 // mean reciprocal rank of the first relevant chunk (top 10)
	misses  []string
}

// evaluate runs every query in mode and scores it. A result is relevant
// when its source file and section title match the label.
func evaluate(t testing.TB, s *Store, qs []labelledQuery, mode Mode) evalScores {
	t.Helper()
	var sc evalScores
	for _, q := range qs {
		rs, err := s.Search(context.Background(), Query{Text: q.Query, TopK: 10, Mode: mode})
		if err != nil {
			t.Fatalf("%s: %v", q.ID, err)
		}
		rank := 0
		for i, r := range rs {
			if r.Source == q.Source && r.SectionTitle == q.Section {
				rank = i + 1
				break
			}
		}
		if rank > 0 && rank <= 5 {
			sc.recall5++
		}
		if rank > 0 {
			sc.mrr += 1 / float64(rank)
		}
		if os.Getenv("EVAL_VERBOSE") != "" {
			t.Logf("%-7s %s rank=%d %q", mode, q.ID, rank, q.Query)
		}
		if rank == 0 || rank > 5 {
			top := "-"
			if len(rs) > 0 {
				top = rs[0].Source + " § " + rs[0].SectionTitle
			}
			sc.misses = append(sc.misses, fmt.Sprintf("%s (rank %d, top: %s)", q.ID, rank, top))
		}
	}
	n := float64(len(qs))
	sc.recall5 /= n
	sc.mrr /= n
	return sc
}

// loadQueries reads a labelled query set of samples/manuals and checks
// that every label names a section of the ingested store.
func loadQueries(t testing.TB, s *Store, file string, atLeast int) []labelledQuery {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var qs []labelledQuery
	if err := json.Unmarshal(b, &qs); err != nil {
		t.Fatal(err)
	}
	if len(qs) < atLeast {
		t.Fatalf("%s has %d queries, want at least %d", file, len(qs), atLeast)
	}
	sections := map[string]bool{}
	for _, c := range s.slots {
		sections[filepath.Base(c.Source)+"\x00"+c.SectionTitle] = true
	}
	for _, q := range qs {
		if !sections[q.Source+"\x00"+q.Section] {
			t.Fatalf("%s: label %s § %s matches no chunk", q.ID, q.Source, q.Section)
		}
	}
	return qs
}

func TestRetrievalEvaluation(t *testing.T) {
	s, _, _ := ingestSamples(t)
	qs := loadQueries(t, s, "queries.json", 25)

	// The set is split deterministically by index parity. The fusion has
	// no constant fitted to these labels (k=60 is the reference's value
	// and the tie-break is parameter-free), so the halves are a check that
	// hybrid's advantage is not carried by a handful of queries: the
	// figures are logged for both halves and the full set, and the
	// requirement is asserted on the full set.
	var even, odd []labelledQuery
	for i, q := range qs {
		if i%2 == 0 {
			even = append(even, q)
		} else {
			odd = append(odd, q)
		}
	}
	sets := []struct {
		name string
		qs   []labelledQuery
	}{{"full", qs}, {"even", even}, {"odd", odd}}

	var table strings.Builder
	fmt.Fprintf(&table, "\n%d labelled queries (even half %d, odd half %d), %d chunks\n", len(qs), len(even), len(odd), len(s.slots))
	fmt.Fprintf(&table, "%-5s  %-8s  %9s  %6s\n", "set", "method", "recall@5", "MRR")
	var full map[Mode]evalScores
	for _, set := range sets {
		scores := map[Mode]evalScores{}
		for _, m := range []Mode{Lexical, Dense, Hybrid} {
			sc := evaluate(t, s, set.qs, m)
			scores[m] = sc
			fmt.Fprintf(&table, "%-5s  %-8s  %9.4f  %6.4f\n", set.name, m, sc.recall5, sc.mrr)
		}
		h, l, d := scores[Hybrid], scores[Lexical], scores[Dense]
		verdict := "hybrid >= best single method on both metrics"
		if h.recall5 < max(l.recall5, d.recall5) || h.mrr < max(l.mrr, d.mrr) {
			verdict = "hybrid BELOW the best single method"
		}
		fmt.Fprintf(&table, "%-5s  %s\n", set.name, verdict)
		if set.name == "full" {
			full = scores
		}
	}
	t.Log(table.String())
	for _, m := range []Mode{Lexical, Dense, Hybrid} {
		if len(full[m].misses) > 0 {
			t.Logf("%s misses: %s", m, strings.Join(full[m].misses, "; "))
		}
	}
	// Hybrid must match or beat the better single method on the full set,
	// on both metrics, with no tolerance.
	h, l, d := full[Hybrid], full[Lexical], full[Dense]
	if h.recall5 < max(l.recall5, d.recall5) {
		t.Errorf("hybrid recall@5 %.4f below the better single method (lexical %.4f, dense %.4f)", h.recall5, l.recall5, d.recall5)
	}
	if h.mrr < max(l.mrr, d.mrr) {
		t.Errorf("hybrid MRR %.4f below the better single method (lexical %.4f, dense %.4f)", h.mrr, l.mrr, d.mrr)
	}
}

// Held-out floors of the hybrid method on queries_heldout.json. Measured
// when the set was first run (59 queries, 59 chunks): lexical 1.0000 /
// 1.0000, dense 1.0000 / 0.9915, hybrid 1.0000 / 1.0000 (recall@5 / MRR).
// The floors leave room for two queries falling out of the top 5 and a few
// rank shifts, no more.
const (
	heldOutRecall5Floor = 0.95
	heldOutMRRFloor     = 0.90
)

// The labelled set above shares its vocabulary with the hand-written
// synonym table (most of its queries contain a word from it), so it is not
// held out. queries_heldout.json was written from the sample manuals' own
// phrasing, before any evaluation and without looking at the table, and is
// never tuned against: it is reported on its own and held to an absolute
// floor (measured, rounded down).
func TestHeldOutRetrieval(t *testing.T) {
	s, _, _ := ingestSamples(t)
	qs := loadQueries(t, s, "queries_heldout.json", 40)
	var table strings.Builder
	fmt.Fprintf(&table, "\nheld-out: %d queries written from the manuals' phrasing, %d chunks\n", len(qs), len(s.slots))
	fmt.Fprintf(&table, "%-8s  %9s  %6s\n", "method", "recall@5", "MRR")
	scores := map[Mode]evalScores{}
	for _, m := range []Mode{Lexical, Dense, Hybrid} {
		sc := evaluate(t, s, qs, m)
		scores[m] = sc
		fmt.Fprintf(&table, "%-8s  %9.4f  %6.4f\n", m, sc.recall5, sc.mrr)
	}
	t.Log(table.String())
	for _, m := range []Mode{Lexical, Dense, Hybrid} {
		if len(scores[m].misses) > 0 {
			t.Logf("held-out %s misses: %s", m, strings.Join(scores[m].misses, "; "))
		}
	}
	h := scores[Hybrid]
	if h.recall5 < heldOutRecall5Floor {
		t.Errorf("held-out hybrid recall@5 %.4f below the floor %.2f", h.recall5, heldOutRecall5Floor)
	}
	if h.mrr < heldOutMRRFloor {
		t.Errorf("held-out hybrid MRR %.4f below the floor %.2f", h.mrr, heldOutMRRFloor)
	}
}

// BenchmarkRetrievalEval reports the retrieval figures for bench/RESULTS.md:
// hybrid recall@5 and MRR on the held-out set and, separately, on the
// labelled set that shares the synonym table's vocabulary.
func BenchmarkRetrievalEval(b *testing.B) {
	s, _, _ := ingestSamples(b)
	held := loadQueries(b, s, "queries_heldout.json", 40)
	labelled := loadQueries(b, s, "queries.json", 25)
	var h, l evalScores
	for b.Loop() {
		h, l = evaluate(b, s, held, Hybrid), evaluate(b, s, labelled, Hybrid)
	}
	b.ReportMetric(h.recall5, "heldout-recall@5")
	b.ReportMetric(h.mrr, "heldout-MRR")
	b.ReportMetric(l.recall5, "labelled-recall@5")
	b.ReportMetric(l.mrr, "labelled-MRR")
}
