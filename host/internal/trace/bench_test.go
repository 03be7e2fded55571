package trace

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/secrets/secretstest"
	"github.com/machina-go/machina/internal/benchcpu"
)

// benchScrubber knows 10 secrets of realistic shapes and a basic-auth
// credential.
func benchScrubber() *secrets.Scrubber {
	s := secretstest.BenchScrubber()
	s.AddBasicAuth("maxadmin", "sk-proj-00-Zq9xZq9xZq9xZq9xZq9xZq9x")
	return s
}

// benchEntry is a typical tool-call entry with nested metadata and one
// secret hidden in a value.
func benchEntry() Entry {
	return Entry{
		Action:        ActionToolCall,
		Connector:     "cmms-maximo",
		Operation:     "list_work_orders",
		AssetID:       "P-101",
		InputSummary:  `{"asset_id":"P-101","status":["WAPPR","APPR","INPRG"],"limit":50,"site":"BEDFORD","note":"pump cavitation on discharge side"}`,
		OutputSummary: strings.Repeat("WO-1001 P-101 replace mechanical seal, priority 2, status APPR; ", 6),
		DurationMS:    37.218,
		Success:       true,
		ClientID:      "claude-desktop",
		Plugin:        "cmms-maximo",
		PluginSHA256:  "9f2c1e7d3b5a4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
		Metadata: map[string]any{
			"arguments": map[string]any{
				"asset_id": "P-101", "limit": 50,
				"filters": map[string]any{"site": "BEDFORD", "status": []any{"WAPPR", "APPR", "INPRG"}},
			},
			"http": map[string]any{
				"headers": map[string]any{"Accept": "application/json", "Authorization": "Bearer sk-proj-03-Zq9xZq9xZq9xZq9xZq9xZq9xZq9xZq9xZq9x"},
				"status":  200,
			},
			"max_tokens":   4096,
			"result_count": 17,
			"upstream_msg": "session sk-proj-05-Zq9xZq9xZq9xZq9xZq9xZq9xZq9xZq9xZq9xZq9xZq9x renewed",
		},
	}
}

// BenchmarkTracedEntries measures sustained end-to-end throughput: redaction
// and encoding on the callers (GOMAXPROCS goroutines), hash chain and
// buffered writes on the writer, flushed by Close. Callers wait for buffer
// room here (instead of dropping) so every entry is written.
func BenchmarkTracedEntries(b *testing.B) {
	for _, chain := range []bool{false, true} {
		b.Run(fmt.Sprintf("chain=%v", chain), func(b *testing.B) {
			tr, err := New(Options{Dir: b.TempDir(), Scrubber: benchScrubber(), HashChain: chain, BufferSize: 16384})
			if err != nil {
				b.Fatal(err)
			}
			e := benchEntry()
			b.ReportAllocs()
			cpu0 := benchcpu.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tr.record(e, true)
				}
			})
			if err := tr.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if tr.Written() != uint64(b.N) || tr.Dropped() != 0 {
				b.Fatalf("written %d dropped %d of %d", tr.Written(), tr.Dropped(), b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			// CPU time (user+system, all threads, GC included) per entry is
			// what the machine's other load does not distort: 2 idle cores
			// sustain about 2e9/cpu-ns entries per second.
			cpuNS := float64((benchcpu.Now() - cpu0).Nanoseconds()) / float64(b.N)
			b.ReportMetric(cpuNS, "cpu-ns/entry")
			b.ReportMetric(2e9/cpuNS, "entries/s@2cores")
		})
	}
}

// BenchmarkRecordCaller measures the latency Record adds on one caller
// goroutine (redact, scrub, encode, non-blocking enqueue); the writer runs
// concurrently. Entries that find the buffer full are dropped and counted.
func BenchmarkRecordCaller(b *testing.B) {
	tr, err := New(Options{Dir: b.TempDir(), Scrubber: benchScrubber(), HashChain: true, BufferSize: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	e := benchEntry()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Record(e)
	}
	b.StopTimer()
	if err := tr.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(tr.Dropped())/float64(b.N)*100, "%dropped")
}

// BenchmarkRedactEncode is the caller-side work alone, without the queue.
func BenchmarkRedactEncode(b *testing.B) {
	tr := &Tracer{red: redactor{s: benchScrubber(), maxSummary: DefaultMaxSummaryChars}}
	e := benchEntry()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		it, err := tr.encode(e)
		if err != nil {
			b.Fatal(err)
		}
		tr.release(it)
	}
}
