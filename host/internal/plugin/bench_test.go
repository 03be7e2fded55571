package plugin_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/benchcpu"
)

// BenchmarkCallSmallJSONEcho measures one operation call carrying a small
// JSON request and response (get_asset "echo:…" on the probe plugin): host
// encode, extism call with the timeout instrumentation on, guest decode and
// encode, host decode.
func BenchmarkCallSmallJSONEcho(b *testing.B) {
	benchGetAsset(b, plugin.Limits{PoolSize: 1}, "echo:pump")
}

// benchGetAsset measures get_asset id, one call after another, on the probe
// loaded with limits.
func benchGetAsset(b *testing.B, limits plugin.Limits, id string) {
	p := loadProbe(b, limits)
	ctx := context.Background()
	cpu := benchcpu.Now()
	for b.Loop() {
		if _, err := getAsset(ctx, p, id); err != nil {
			b.Fatal(err)
		}
	}
	benchcpu.Report(b, cpu)
}

// BenchmarkCallSmallJSONEchoParallel measures throughput with a pool of
// GOMAXPROCS instances and concurrent callers.
func BenchmarkCallSmallJSONEchoParallel(b *testing.B) {
	p := loadProbe(b, plugin.Limits{})
	if err := p.Warm(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(4)
	b.ResetTimer() // loading and warming the pool are not the calls measured
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := getAsset(context.Background(), p, "echo:pump"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkLoadCold compiles the plugin with an empty compilation cache:
// what the first start after an upgrade costs.
func BenchmarkLoadCold(b *testing.B) {
	wasm := testplugin.Build(b, "host/internal/plugin/testdata/probe")
	for b.Loop() {
		loadAndClose(b, wasm, b.TempDir())
	}
}

// BenchmarkLoadCached loads from a populated on-disk compilation cache with
// a fresh engine each time: what a restart costs.
func BenchmarkLoadCached(b *testing.B) {
	wasm := testplugin.Build(b, "host/internal/plugin/testdata/probe")
	dir := b.TempDir()
	loadAndClose(b, wasm, dir) // populate
	b.ResetTimer()
	for b.Loop() {
		loadAndClose(b, wasm, dir)
	}
}

// loadAndClose loads wasm with a fresh engine over the compilation cache in
// dir, then closes plugin and engine.
func loadAndClose(b *testing.B, wasm []byte, dir string) {
	ctx := context.Background()
	e, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	p, err := e.Load(ctx, wasm, plugin.LoadOptions{Limits: plugin.Limits{PoolSize: 1}})
	if err != nil {
		b.Fatal(err)
	}
	p.Close(ctx)
	e.Close(ctx)
}

// BenchmarkInstanceCreation measures creating and initialising an instance
// (what replacing a trapped instance costs); instances/s = 1e9 / ns/op.
func BenchmarkInstanceCreation(b *testing.B) {
	// RecycleAfter=1 discards the instance after each call, so every call
	// instantiates and initialises a fresh one.
	benchGetAsset(b, plugin.Limits{PoolSize: 1, RecycleAfter: 1}, "echo:x")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "instances/s")
}

// BenchmarkRSSPerInstance reports the resident memory added per pooled
// instance after one call each.
func BenchmarkRSSPerInstance(b *testing.B) {
	const n = 16
	for b.Loop() {
		p := loadProbe(b, plugin.Limits{PoolSize: 1})
		_, _ = getAsset(context.Background(), p, "echo:x")
		runtime.GC()
		before := rss(b)
		q := loadProbe(b, plugin.Limits{PoolSize: n})
		if err := q.Warm(context.Background()); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		after := rss(b)
		b.ReportMetric(float64(after-before)/n/(1<<20), "MiB/instance")
		p.Close(context.Background())
		q.Close(context.Background())
	}
}

func rss(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(data))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
