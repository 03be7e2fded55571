package plugin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/benchcpu"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/wire"
	"github.com/machina-go/machina/pdk/pdktest"
)

// BenchmarkTermination compares the two ways of stopping a runaway call on
// the same plugin calls — wazero's WithCloseOnContextDone (an exit into Go
// at every loop back-edge) and the load-time interrupt rewrite (a counter
// at loop headers and function entries, a host call every
// interrupt.DefaultInterval checks) — with the floor of no termination at
// all. Variants of a workload run one after the other; -count repeats each
// variant back to back, so to interleave them on a noisy machine run the
// test binary several times with -count 1 (see /work/notes/interrupt19.md).
// terminations are the ways of stopping a runaway guest the benchmarks
// compare, each with how to switch an engine to it.
func terminations() []struct {
	name string
	set  func(*plugin.Engine)
} {
	return []struct {
		name string
		set  func(*plugin.Engine)
	}{
		{"none", plugin.UseNoTermination},
		{"closeOnContextDone", plugin.UseCloseOnContextDone},
		{"interrupt", func(*plugin.Engine) {}},
	}
}

func BenchmarkTermination(b *testing.B) {
	wasm := testplugin.Build(b, "host/internal/plugin/testdata/probe")
	workloads := []struct{ name, id string }{
		{"echo", "echo:pump"},           // small JSON call: per-call overhead
		{"cpu_loop_200k", "cpu:200000"}, // a loop with calls, no allocation
		{"json_100_assets", "json:100"}, // encoding/json round trip in the guest
	}
	for _, w := range workloads {
		for _, v := range terminations() {
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
				cpu := benchcpu.Now()
				for b.Loop() {
					if _, err := getAsset(ctx, p, w.id); err != nil {
						b.Fatal(err)
					}
				}
				benchcpu.Report(b, cpu)
			})
		}
	}
}

// forwardHost sends a plugin's HTTP requests to the simulator with the API
// key attached (no policy gate): the runtime's cost without the gate's.
type forwardHost struct {
	plugin.DenyHost
	native *pdktest.Host
}

func (h *forwardHost) HTTPRequest(ctx context.Context, req abi.HTTPRequest) abi.HTTPResponse {
	body := req.Body
	req.Body = nil
	in, _ := json.Marshal(req)
	var out abi.HTTPResponse
	hdr, tail := h.native.Call(ctx, wire.HostHTTPSend, in, body)
	_ = json.Unmarshal(hdr, &out)
	out.Body = tail
	return out
}

// BenchmarkTerminationMaximo is BenchmarkTermination on the real Maximo
// connector: list_assets of 100 assets against the simulator (HTTP through
// the host, JSON decoding and encoding in the guest).
func BenchmarkTerminationMaximo(b *testing.B) {
	auth, err := maxsim.GenerateAuth(maxsim.AuthAPIKey)
	if err != nil {
		b.Fatal(err)
	}
	sim, err := maxsim.NewServer(maxsim.Options{Seed: 1, MinAssets: 100, Auth: auth})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	defer ts.Close()
	wasm := testplugin.Build(b, "plugins/cmms-maximo")
	conf := map[string]any{"base_url": ts.URL, "page_size": 100, "asset_type_map": map[string]any{"PUMP": "rotating_equipment"}}
	host := &forwardHost{native: &pdktest.Host{Auth: func(r *http.Request) { r.Header.Set("apikey", auth.APIKey) }}}
	for _, v := range terminations() {
		b.Run("list_assets_100/"+v.name, func(b *testing.B) {
			e := newEngine(b)
			v.set(e)
			ctx := context.Background()
			p, err := e.Load(ctx, wasm, plugin.LoadOptions{Config: conf, Host: host, Limits: plugin.Limits{PoolSize: 1}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { p.Close(ctx) })
			call := func() {
				var resp abi.ListAssetsResponse
				if err := p.CallOp(ctx, abi.OpListAssets, abi.ListAssetsRequest{}, &resp); err != nil || len(resp.Assets) != 100 {
					b.Fatalf("list_assets: %v, %d assets", err, len(resp.Assets))
				}
			}
			call()
			cpu := benchcpu.Now()
			for b.Loop() {
				call()
			}
			benchcpu.Report(b, cpu)
		})
	}
}
