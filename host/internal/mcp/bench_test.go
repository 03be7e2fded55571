package mcp_test

import (
	"context"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/internal/benchcpu"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// BenchmarkToolsCallGetAsset measures tools/call machina_get_asset over
// streamable HTTP, end to end through auth, router, tracer and the memcmms
// wasm plugin ("machina"), beside a bare mcp-go server whose handler returns
// the same JSON from memory ("bare"), in one run. Each reports calls/s and
// p50/p99 latency; "machina" also reports its throughput as a fraction of
// the bare server's (ratio).
func BenchmarkToolsCallGetAsset(b *testing.B) {
	e := newEnv(b, envOpts{quiet: true, trace: true})
	ts, _ := tokenStore(b, e.dir, `{"`+testToken+`": "bench"}`, hclog.NewNullLogger())
	ms := e.serveHTTP(b, ts, machinamcp.HTTPOptions{})

	// The bare server answers with the bytes Machina answers with.
	warm := connect(b, ms.url, testToken)
	payload, isErr := call(b, warm, "machina_get_asset", map[string]any{"asset_id": "P-101"})
	if isErr {
		b.Fatal(payload)
	}
	bare := server.NewMCPServer("bare", "1")
	bare.AddTool(mcp.NewTool("machina_get_asset", mcp.WithString("asset_id", mcp.Required())),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(payload), nil
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: server.NewStreamableHTTPServer(bare), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	bareURL := "http://" + ln.Addr().String()

	var bareRate float64
	b.Run("bare", func(b *testing.B) { bareRate = runCalls(b, bareURL, "") })
	b.Run("machina", func(b *testing.B) {
		rate := runCalls(b, ms.url, testToken)
		if bareRate > 0 {
			b.ReportMetric(rate/bareRate, "ratio")
		}
	})
	// The machine is shared, so load changes between the two runs above;
	// "interleaved" alternates batches of 200 calls on both servers within
	// one run and compares their totals (b.N calls each).
	b.Run("interleaved", func(b *testing.B) {
		bareC, machC := poolOf(b, bareURL, ""), poolOf(b, ms.url, testToken)
		var bareLat, machLat []time.Duration
		var bareT, machT, bareCPU, machCPU time.Duration
		b.ResetTimer()
		for done := 0; done < b.N; done += 200 {
			n := min(200, b.N-done)
			c0 := benchcpu.Now()
			d, l := batch(b, bareC, n)
			c1 := benchcpu.Now()
			bareT, bareLat, bareCPU = bareT+d, append(bareLat, l...), bareCPU+c1-c0
			d, l = batch(b, machC, n)
			machT, machLat, machCPU = machT+d, append(machLat, l...), machCPU+benchcpu.Now()-c1
		}
		b.StopTimer()
		// CPU time per call (clients, which run in this process, included
		// for both): what throughput is bound by when the host is busy,
		// unaffected by load from other processes.
		b.ReportMetric(float64(bareCPU.Nanoseconds())/float64(len(bareLat)), "bare-cpu-ns/call")
		b.ReportMetric(float64(machCPU.Nanoseconds())/float64(len(machLat)), "machina-cpu-ns/call")
		if machCPU > 0 {
			b.ReportMetric(float64(bareCPU)/float64(machCPU), "cpu-ratio")
		}
		br, mr := float64(len(bareLat))/bareT.Seconds(), float64(len(machLat))/machT.Seconds()
		b.ReportMetric(br, "bare-calls/s")
		b.ReportMetric(mr, "machina-calls/s")
		b.ReportMetric(float64(pct(bareLat, 50).Microseconds()), "bare-p50-µs")
		b.ReportMetric(float64(pct(bareLat, 99).Microseconds()), "bare-p99-µs")
		b.ReportMetric(float64(pct(machLat, 50).Microseconds()), "machina-p50-µs")
		b.ReportMetric(float64(pct(machLat, 99).Microseconds()), "machina-p99-µs")
		b.ReportMetric(mr/br, "ratio")
	})
}

func pct(l []time.Duration, p int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)*p/100]
}

// poolOf opens 8 initialised clients.
func poolOf(b *testing.B, url, token string) []*client.Client {
	var cs []*client.Client
	for range 8 {
		cs = append(cs, connect(b, url, token))
	}
	return cs
}

// batch runs n calls spread over the clients concurrently and returns the
// wall time and the latencies.
func batch(b *testing.B, cs []*client.Client, n int) (time.Duration, []time.Duration) {
	req := toolReq("machina_get_asset", map[string]any{"asset_id": "P-101"})
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	start := time.Now()
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				t0 := time.Now()
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					b.Errorf("call: %v", err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return time.Since(start), lat
}

// runCalls runs b.N calls from 4×GOMAXPROCS concurrent clients and
// returns calls per second.
func runCalls(b *testing.B, url, token string) float64 {
	b.SetParallelism(4)
	var mu sync.Mutex
	var lat []time.Duration
	clients := make(chan *client.Client, 64)
	for range cap(clients) {
		clients <- connect(b, url, token)
	}
	req := toolReq("machina_get_asset", map[string]any{"asset_id": "P-101"})
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		defer func() { clients <- c }()
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			res, err := c.CallTool(context.Background(), req)
			if err != nil || res.IsError {
				b.Errorf("call: %v %+v", err, res)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rate := float64(len(lat)) / elapsed.Seconds()
	b.ReportMetric(rate, "calls/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	return rate
}

// BenchmarkLayers splits the cost of one machina_get_asset: the plugin
// call alone (wasm, pooled instances), the router (plus tracer), and the
// MCP server in process (no HTTP).
func BenchmarkLayers(b *testing.B) {
	e := newEnv(b, envOpts{quiet: true, trace: true})
	ctx := context.Background()
	b.Run("plugin-callop", func(b *testing.B) {
		p := e.plugins["memcmms"]
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var resp abi.GetAssetResponse
				if err := p.CallOp(ctx, abi.OpGetAsset, abi.GetAssetRequest{AssetID: "P-101"}, &resp); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("mcp-inprocess", func(b *testing.B) {
		c, err := client.NewInProcessClient(e.srv.MCPServer())
		if err != nil {
			b.Fatal(err)
		}
		initialize(b, c)
		defer c.Close()
		req := toolReq("machina_get_asset", map[string]any{"asset_id": "P-101"})
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if res, err := c.CallTool(ctx, req); err != nil || res.IsError {
					b.Error(err)
					return
				}
			}
		})
	})
}
