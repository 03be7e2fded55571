package docstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// synthVocabulary is drawn from the sample manuals, so synthetic chunks
// look like maintenance text to both the tokenizer and the embedder.
func synthVocabulary(tb testing.TB) []string {
	tb.Helper()
	seen := map[string]bool{}
	var words []string
	entries, err := os.ReadDir(samplesDir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".md") && !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(samplesDir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		for _, w := range strings.Fields(string(b)) {
			w = strings.Trim(w, ".,;:()|*#`\"'")
			if len(w) > 1 && !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	sort.Strings(words)
	return words
}

// synthText makes n bytes of pseudo-manual prose with some asset tags and
// part numbers mixed in.
func synthText(r *rand.Rand, vocab []string, n int) string {
	var b strings.Builder
	for b.Len() < n {
		switch r.IntN(40) {
		case 0:
			fmt.Fprintf(&b, "P-%03d ", r.IntN(900)+100)
		case 1:
			fmt.Fprintf(&b, "%d-2RS ", 6000+r.IntN(400))
		case 2:
			b.WriteString(".\n\n")
		default:
			b.WriteString(vocab[r.IntN(len(vocab))])
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// synthStore builds an in-memory store with n synthetic chunks.
func synthStore(b *testing.B, n int) *Store {
	b.Helper()
	vocab := synthVocabulary(b)
	r := rand.New(rand.NewPCG(1, uint64(n)))
	s, err := newStore(Options{Concurrency: 2})
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]*chunkRecord, n)
	doctypes := []string{"manual", "procedure", "datasheet", "troubleshooting"}
	for i := range recs {
		asset := fmt.Sprintf("A-%03d", i%500)
		title := fmt.Sprintf("%d.%d %s %s", i%12+1, i%7+1, vocab[r.IntN(len(vocab))], vocab[r.IntN(len(vocab))])
		src := fmt.Sprintf("/data/manuals/doc_%05d.md", i/20)
		recs[i] = &chunkRecord{
			ID:           chunkID(src, title, 0, i%20),
			Source:       src,
			Index:        i % 20,
			SectionTitle: title,
			Content:      title + "\n\n" + synthText(r, vocab, 700),
			Meta: map[string]string{
				KeyAssetID: asset, assetFilterPrefix + asset: "1",
				KeyDocType: doctypes[i%len(doctypes)], KeySectionTitle: title,
			},
		}
	}
	ctx := context.Background()
	docs, err := s.embedAll(ctx, recs)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.apply(ctx, nil, recs, docs); err != nil {
		b.Fatal(err)
	}
	return s
}

var benchQueries = []string{
	"replace mechanical seal leaking",
	"6310-2RS bearing limiting speed",
	"P-101 oil change interval",
	"insulation resistance megger test",
	"belt tracking idler adjustment",
	"high discharge temperature trip",
	"valve positioner calibration stroke",
	"tube cleaning fouling pressure drop",
}

// BenchmarkQuery measures query latency at 10k and 100k chunks and reports
// p50/p99 per retrieval mode. The index is built once per size; 100k is
// skipped under -short.
func BenchmarkQuery(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		if n > 10_000 && testing.Short() {
			continue
		}
		var s *Store
		for _, mode := range []Mode{Hybrid, Lexical, Dense} {
			b.Run(fmt.Sprintf("chunks=%d/mode=%s", n, mode), func(b *testing.B) {
				if s == nil {
					start := time.Now()
					s = synthStore(b, n)
					b.Logf("built %d chunks in %v", n, time.Since(start).Round(time.Millisecond))
				}
				ctx := context.Background()
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					q := Query{Text: benchQueries[i%len(benchQueries)], TopK: 5, Mode: mode}
					if i%4 == 3 {
						q.Filters = map[string]string{"doc_type": "procedure"}
					}
					t0 := time.Now()
					rs, err := s.Search(ctx, q)
					lat = append(lat, time.Since(t0))
					if err != nil || len(rs) == 0 {
						b.Fatalf("search: %v (%d results)", err, len(rs))
					}
				}
				b.StopTimer()
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				pct := func(p float64) float64 {
					return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
				}
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.99), "p99-ms")
			})
		}
	}
}

// BenchmarkIngest measures end-to-end ingestion throughput (read, parse,
// chunk, scan, embed, index, persist) of a synthetic 2 MB corpus of 400
// Markdown manuals plus the samples, into a fresh data directory each time.
func BenchmarkIngest(b *testing.B) {
	docs := b.TempDir()
	vocab := synthVocabulary(b)
	r := rand.New(rand.NewPCG(7, 7))
	var total int64
	entries, err := os.ReadDir(samplesDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		copyFile(b, filepath.Join(samplesDir, e.Name()), filepath.Join(docs, e.Name()))
		if supportedExt(e.Name()) {
			fi, _ := os.Stat(filepath.Join(docs, e.Name()))
			total += fi.Size()
		}
	}
	for i := 0; i < 400; i++ {
		var sb strings.Builder
		fmt.Fprintf(&sb, "---\nasset_id: A-%03d\ndoc_type: manual\n---\n# Manual %d\n\n", i, i)
		for sec := 1; sec <= 4; sec++ {
			fmt.Fprintf(&sb, "## %d Section %s\n\n%s\n\n", sec, vocab[r.IntN(len(vocab))], synthText(r, vocab, 1200))
		}
		name := filepath.Join(docs, fmt.Sprintf("synth_%03d.md", i))
		if err := os.WriteFile(name, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		total += int64(sb.Len())
	}
	b.SetBytes(total)
	ctx := context.Background()
	var chunks int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Open(ctx, Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := s.IngestDir(ctx, docs, nil)
		if err != nil {
			b.Fatal(err)
		}
		chunks = sum.TotalChunks
		s.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(chunks)*float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkLocalEmbed measures the offline embedder on a 1000-byte chunk.
func BenchmarkLocalEmbed(b *testing.B) {
	text := synthText(rand.New(rand.NewPCG(3, 3)), synthVocabulary(b), 1000)
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		localEmbed(text)
	}
}
