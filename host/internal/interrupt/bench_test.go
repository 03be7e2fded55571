package interrupt_test

import (
	"context"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/benchcpu"
)

// BenchmarkGuest compares the three ways of running a Go guest — no
// termination at all, wazero's WithCloseOnContextDone, and this package's
// rewrite — on the same workloads. Variants of a workload run one after
// the other; -count repeats each variant back to back, so to interleave
// them run the test binary several times with -count 1.
func BenchmarkGuest(b *testing.B) {
	wasm := guest(b)
	workloads := []struct {
		name   string
		export string
		args   []uint64
	}{
		{"noop", "noop", nil},
		{"loop_with_calls_100k", "work", []uint64{100_000}},
		{"tight_loop_1M", "count", []uint64{1_000_000}},
	}
	for _, w := range workloads {
		for _, m := range []mode{modeNone, modeCloseOnDone, modeInterrupt} {
			b.Run(w.name+"/"+m.String(), func(b *testing.B) {
				h := newHost(b, m)
				mod := h.instance(b, h.compile(b, wasm))
				f := mod.ExportedFunction(w.export)
				// Production calls carry a deadline.
				ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
				defer cancel()
				cpu := benchcpu.Now()
				for b.Loop() {
					if _, err := f.Call(ctx, w.args...); err != nil {
						b.Fatal(err)
					}
				}
				benchcpu.Report(b, cpu)
			})
		}
	}
}

// BenchmarkInstrument measures the load-time rewrite of the test guest
// and of the Maximo plugin.
func BenchmarkInstrument(b *testing.B) {
	for _, m := range []struct {
		name string
		wasm func(testing.TB) []byte
	}{
		{"guest", guest},
		{"cmms-maximo", func(tb testing.TB) []byte { return testplugin.Build(tb, "plugins/cmms-maximo") }},
	} {
		b.Run(m.name, func(b *testing.B) {
			wasm := m.wasm(b)
			b.SetBytes(int64(len(wasm)))
			cpu := benchcpu.Now()
			for b.Loop() {
				if _, err := interrupt.Instrument(wasm, interrupt.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			benchcpu.Report(b, cpu)
		})
	}
}
