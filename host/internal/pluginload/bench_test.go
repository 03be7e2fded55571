package pluginload_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/benchcpu"
	"github.com/machina-go/machina/internal/wire"
)

// The HTTP gate benchmarks share one loopback keep-alive server returning a
// 17-byte body, like the measurements in wasm-runtime-measurements.md §3:
//
//   - BenchmarkHTTPNative: plain net/http from Go (the baseline).
//   - BenchmarkHTTPGateFromGo: policy.Host.HTTPRequest called from Go —
//     the policy checks, header/placeholder handling, dial policy,
//     cookie jar, size caps, scrubbing and observer, without wasm.
//   - BenchmarkHTTPGateFromPlugin: the hostile plugin's httpn mode performs
//     100 GETs per plugin call through the machina.http_request host
//     function; ns/op is divided by 100 and reported as ns/req, so the
//     plugin-call floor is amortised and what remains is the per-request
//     cost a plugin pays (JSON in the guest, go-pdk's memory copies, the
//     host function, the gate, the request).
//
// gate overhead per request = GateFromPlugin ns/req − Native ns/op. The
// gate benchmarks also measure the native path on the same server right
// after the timed loop and report the difference as overhead-ns/req, so
// one run gives the figure the target (≤ 150 µs) is about.

const benchBody = `{"ok":true,"n":1}` // 17 bytes

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, benchBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// nativeGets performs n plain net/http GETs.
func nativeGets(b *testing.B, c *http.Client, u string, n int) {
	for i := 0; i < n; i++ {
		resp, err := c.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(body) != len(benchBody) {
			b.Fatal("short body")
		}
	}
}

func nativeClient() *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
}

// reportOverhead measures the native path for comparison (outside the
// timed region) and reports perReq minus the native cost per request, by
// wall time (overhead-ns/req) and by the process's CPU time
// (cpu-overhead-ns/req; cpuPerReq is the measured path's CPU time per
// request), which load from other processes does not inflate.
func reportOverhead(b *testing.B, srv *httptest.Server, perReq, cpuPerReq float64) {
	b.StopTimer()
	const n = 2000
	c := nativeClient()
	nativeGets(b, c, srv.URL+"/x", 50) // warm the connection
	cpu, start := benchcpu.Now(), time.Now()
	nativeGets(b, c, srv.URL+"/x", n)
	native := float64(time.Since(start).Nanoseconds()) / n
	nativeCPU := float64((benchcpu.Now() - cpu).Nanoseconds()) / n
	b.ReportMetric(native, "native-ns/req")
	b.ReportMetric(perReq-native, "overhead-ns/req")
	b.ReportMetric(nativeCPU, "native-cpu-ns/req")
	b.ReportMetric(cpuPerReq-nativeCPU, "cpu-overhead-ns/req")
}

func BenchmarkHTTPNative(b *testing.B) {
	srv := benchServer(b)
	c := nativeClient()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := benchcpu.Now()
	nativeGets(b, c, srv.URL+"/x", b.N)
	benchcpu.Report(b, cpu)
}

func benchGrant(origin string) config.Grant {
	return config.Grant{
		HTTP:   []config.OriginGrant{{Origin: origin, AllowPrivate: true}},
		Limits: config.Limits{RequestsPerMinute: 1 << 30},
	}
}

// benchPolicy is the policy of a plugin that declares GET /x on any
// loopback port and is granted the benchmark server's origin.
func benchPolicy(b *testing.B, name, origin string) policy.Policy {
	b.Helper()
	m := wire.Manifest{Name: name, HTTP: []wire.OriginRequest{{Pattern: "http://127.0.0.1:*", Reads: []string{"GET /x"}}}}
	pol, mismatches := policy.Resolve(m, benchGrant(origin))
	if len(mismatches) > 0 {
		b.Fatalf("policy: %+v", mismatches)
	}
	return pol
}

func BenchmarkHTTPGateFromGo(b *testing.B) {
	srv := benchServer(b)
	h, err := policy.New(policy.Options{Policy: benchPolicy(b, "bench", srv.URL)})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := benchcpu.Now()
	for i := 0; i < b.N; i++ {
		r := h.HTTPRequest(ctx, abi.HTTPRequest{Method: "GET", URL: srv.URL + "/x"})
		if r.Error != nil || len(r.Body) != len(benchBody) {
			b.Fatal(r.Error)
		}
	}
	cpuPerReq := float64((benchcpu.Now() - cpu).Nanoseconds()) / float64(b.N)
	b.ReportMetric(cpuPerReq, "cpu-ns/op")
	reportOverhead(b, srv, float64(b.Elapsed().Nanoseconds())/float64(b.N), cpuPerReq)
}

func BenchmarkHTTPGateFromPlugin(b *testing.B) {
	const perCall = 100
	srv := benchServer(b)
	h, err := policy.New(policy.Options{Policy: benchPolicy(b, "hostile", srv.URL)})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	perReq, cpuReq := benchHTTPN(b, h, perCall, srv.URL+"/x")
	reportOverhead(b, srv, perReq, cpuReq)
}

// benchHTTPN loads the hostile plugin with host h and calls get_asset
// "httpn:<perCall>|<url>" b.N times, each call sending perCall requests
// through the host; it reports, and returns, wall and CPU time per request.
func benchHTTPN(b *testing.B, h plugin.Host, perCall int, url string) (perReq, cpuReq float64) {
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close(context.Background())
	p, err := eng.Load(context.Background(), hostileWasm(b), plugin.LoadOptions{Host: h, Limits: plugin.Limits{PoolSize: 1}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	req := abi.GetAssetRequest{AssetID: "httpn:" + strconv.Itoa(perCall) + "|" + url}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := benchcpu.Now()
	for i := 0; i < b.N; i++ {
		var resp abi.GetAssetResponse
		if err := p.CallOp(context.Background(), abi.OpGetAsset, req, &resp); err != nil {
			b.Fatal(err)
		}
		if resp.Asset.Metadata["ok"] != float64(perCall) {
			b.Fatalf("ok = %v", resp.Asset.Metadata["ok"])
		}
	}
	b.StopTimer()
	cpuReq = float64((benchcpu.Now() - cpu).Nanoseconds()) / float64(b.N*perCall)
	perReq = float64(b.Elapsed().Nanoseconds()) / float64(b.N*perCall)
	b.ReportMetric(perReq, "ns/req")
	b.ReportMetric(cpuReq, "cpu-ns/req")
	return perReq, cpuReq
}

// fixedHost answers http_request with a canned 17-byte response and no
// network: BenchmarkHostCallFromPlugin measures the wasm host-call path
// alone (guest JSON, go-pdk copies, extism memory, host adapter), so the
// plugin figure can be split into "ABI path" and "gate + network".
type fixedHost struct{ plugin.DenyHost }

func (*fixedHost) HTTPRequest(context.Context, abi.HTTPRequest) abi.HTTPResponse {
	return abi.HTTPResponse{Status: 200, Body: []byte(benchBody)}
}

func BenchmarkHostCallFromPlugin(b *testing.B) {
	benchHTTPN(b, &fixedHost{}, 100, "http://127.0.0.1:1/x")
}

var _ = pluginload.LoadAll
