package plugin_test

import (
	"context"
	"testing"

	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/testplugin"
)

// BenchmarkTermination compares the two ways of stopping a runaway call on
// the same plugin calls — wazero's WithCloseOnContextDone (an exit into Go
// at every loop back-edge) and the load-time interrupt rewrite (a counter
// at loop headers and function entries, a host call every
// interrupt.DefaultInterval checks) — with the floor of no termination at
// all. The variants of one workload run back to back inside each -count
// round, so they interleave.
func BenchmarkTermination(b *testing.B) {
	wasm := testplugin.Build(b, "host/internal/plugin/testdata/probe")
	workloads := []struct{ name, id string }{
		{"echo", "echo:pump"},           // small JSON call: per-call overhead
		{"cpu_loop_200k", "cpu:200000"}, // a loop with calls, no allocation
		{"json_100_assets", "json:100"}, // encoding/json round trip in the guest
	}
	for _, w := range workloads {
		for _, v := range []struct {
			name string
			set  func(*plugin.Engine)
		}{
			{"none", plugin.UseNoTermination},
			{"closeOnContextDone", plugin.UseCloseOnContextDone},
			{"interrupt", func(*plugin.Engine) {}},
		} {
			b.Run(w.name+"/"+v.name, func(b *testing.B) {
				e := newEngine(b)
				v.set(e)
				ctx := context.Background()
				p, err := e.Load(ctx, wasm, plugin.LoadOptions{Limits: plugin.Limits{PoolSize: 1}})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { p.Close(ctx) })
				if _, err := getAsset(ctx, p, w.id); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := getAsset(ctx, p, w.id); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
