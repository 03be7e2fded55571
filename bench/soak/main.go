// Command soak is issue #22's soak benchmark: N concurrent MCP clients
// (default 100) call tools through the cmms-maximo plugin of a real
// `machina serve` for a duration (default 10 minutes) while the host's
// resident set size is sampled (default every 30 s). It reports start,
// after warm-up, peak and end RSS, calls and errors, and fails (exit 1)
// when the end is more than 10 % above the level after warm-up or any call
// failed.
//
//	make build && go run ./bench/soak -duration 10m
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/machina-go/machina/bench/internal/harness"
)

type sample struct {
	At  float64 `json:"t_s"`
	RSS int64   `json:"rss_bytes"`
}

type result struct {
	Clients  int      `json:"clients"`
	Duration string   `json:"duration"`
	Calls    int64    `json:"calls"`
	Errors   int64    `json:"errors"`
	Samples  []sample `json:"samples"`
	StartMiB float64  `json:"start_mib"`
	WarmMiB  float64  `json:"after_warmup_mib"`
	PeakMiB  float64  `json:"peak_mib"`
	EndMiB   float64  `json:"end_mib"`
	EndRatio float64  `json:"end_over_warm"`
	OK       bool     `json:"ok"`
	FirstErr string   `json:"first_error,omitempty"`
}

func main() {
	cmd := harness.NewCommand("soak")
	clients := flag.Int("clients", 100, "concurrent MCP clients")
	duration := flag.Duration("duration", 10*time.Minute, "how long the load runs")
	every := flag.Duration("sample", 30*time.Second, "RSS sampling period")
	warmup := flag.Duration("warmup", time.Minute, "the level after warm-up is the first sample at or after this")
	flag.Parse()
	res, err := run(*cmd.Machina, *clients, *duration, *every, *warmup)
	os.Exit(cmd.Finish(res, res.OK, err, func([]byte) {
		fmt.Printf("soak: %d clients for %s: %d calls (%.0f /s), %d errors; RSS start %.1f MiB, after warm-up %.1f MiB, peak %.1f MiB, end %.1f MiB (end/warm %.3f)\n",
			res.Clients, res.Duration, res.Calls, float64(res.Calls)/duration.Seconds(), res.Errors, res.StartMiB, res.WarmMiB, res.PeakMiB, res.EndMiB, res.EndRatio)
		if res.FirstErr != "" {
			fmt.Println("first error:", res.FirstErr)
		}
	}))
}

func run(machina string, clients int, duration, every, warmup time.Duration) (result, error) {
	ctx := context.Background()
	state, err := os.MkdirTemp("", "machina-soak-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(state)
	log, _ := os.Create(filepath.Join(state, "..", filepath.Base(state)+".log"))
	addr, err := harness.FreeAddr()
	if err != nil {
		return result{}, err
	}
	plant, err := harness.StartPlant(ctx, machina, state, addr, "", log)
	if err != nil {
		return result{}, err
	}
	defer plant.Stop()
	host, err := harness.StartHost(ctx, machina, plant, log)
	if err != nil {
		return result{}, err
	}
	defer host.Stop()
	assets, err := assetIDs(ctx, plant)
	if err != nil {
		return result{}, err
	}
	res := result{Clients: clients, Duration: duration.String()}
	start := time.Now()
	rss := func() sample { v, _ := harness.RSS(host.PID()); return sample{At: time.Since(start).Seconds(), RSS: v} }
	res.Samples = append(res.Samples, rss())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var calls, errs atomic.Int64
	var firstErr atomic.Value
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load(ctx, plant, assets, i, stop, &calls, &errs, &firstErr)
		}()
	}
	tick := time.NewTicker(every)
	end := time.After(duration)
sampling:
	for {
		select {
		case <-tick.C:
			res.Samples = append(res.Samples, rss())
		case <-end:
			break sampling
		}
	}
	tick.Stop()
	res.Samples = append(res.Samples, rss())
	close(stop)
	wg.Wait()
	res.Calls, res.Errors = calls.Load(), errs.Load()
	if e, ok := firstErr.Load().(string); ok {
		res.FirstErr = e
	}
	summarise(&res, warmup)
	return res, nil
}

// load is one client: it calls read tools through the plugin until stop.
func load(ctx context.Context, p *harness.Plant, assets []string, i int, stop <-chan struct{}, calls, errs *atomic.Int64, first *atomic.Value) {
	fail := func(err error) {
		errs.Add(1)
		first.CompareAndSwap(nil, err.Error())
	}
	c, err := harness.Connect(ctx, p)
	if err != nil {
		fail(err)
		return
	}
	defer c.Close()
	for n := i; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		asset := assets[n%len(assets)]
		tool, args := "machina_get_asset", map[string]any{"asset_id": asset}
		if n%2 == 1 {
			tool = "machina_list_work_orders"
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := harness.Call(cctx, c, tool, args)
		cancel()
		calls.Add(1)
		if err != nil {
			fail(err)
		}
	}
}

func assetIDs(ctx context.Context, p *harness.Plant) ([]string, error) {
	c, err := harness.Connect(ctx, p)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	text, err := harness.Call(ctx, c, "machina_list_assets", map[string]any{})
	if err != nil {
		return nil, err
	}
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(text), &list); err != nil || len(list) == 0 {
		return nil, fmt.Errorf("machina_list_assets: %v (%d assets)", err, len(list))
	}
	ids := make([]string, 0, 10)
	for _, a := range list[:min(10, len(list))] {
		ids = append(ids, a.ID)
	}
	return ids, nil
}

func summarise(res *result, warmup time.Duration) {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	res.StartMiB = mib(res.Samples[0].RSS)
	res.EndMiB = mib(res.Samples[len(res.Samples)-1].RSS)
	res.WarmMiB = res.EndMiB
	found := false
	for _, s := range res.Samples {
		res.PeakMiB = max(res.PeakMiB, mib(s.RSS))
		if !found && s.At >= warmup.Seconds() {
			res.WarmMiB, found = mib(s.RSS), true
		}
	}
	res.EndRatio = res.EndMiB / res.WarmMiB
	res.OK = res.Errors == 0 && res.EndRatio <= 1.10
}
