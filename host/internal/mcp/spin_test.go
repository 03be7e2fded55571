package mcp_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/stall"
)

// TestServesWhilePluginsSpin runs one more runaway plugin call than there
// are processors (a loop without calls, exponential recursion, ...) and
// checks that the MCP server keeps answering tools/call over HTTP — itself
// running a plugin — and that every runaway call is stopped within its
// timeout plus 100 ms.
func TestServesWhilePluginsSpin(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true})
	ts, _ := tokenStore(t, e.dir, `{"`+testToken+`": "alice"}`, hclog.NewNullLogger())
	s := e.serveHTTP(t, ts, machinamcp.HTTPOptions{})
	c := connect(t, s.url, testToken)
	if text, isErr := call(t, c, "machina_list_assets", nil); isErr {
		t.Fatalf("before: %s", text)
	}

	const timeout = 2 * time.Second
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/probe")
	n := runtime.GOMAXPROCS(0) + 1
	modes := []string{"loop", "exp", "spincalls", "deep"}
	spinners := make([]*plugin.Plugin, n)
	for i := range spinners {
		p, err := eng.Load(context.Background(), wasm, plugin.LoadOptions{Limits: plugin.Limits{PoolSize: 1, CallTimeout: timeout}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close(context.Background()) })
		spinners[i] = p
	}

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, p := range spinners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			var resp abi.GetAssetResponse
			err := p.CallOp(context.Background(), abi.OpGetAsset, abi.GetAssetRequest{AssetID: modes[i%len(modes)]}, &resp)
			took := time.Since(start)
			switch {
			case !errors.Is(err, plugin.ErrTrap) || !strings.Contains(err.Error(), "timeout"):
				errs <- errors.New(modes[i%len(modes)] + ": want a timeout trap, got " + errString(err))
			case took > timeout+100*time.Millisecond:
				errs <- errors.New(modes[i%len(modes)] + ": stopped after " + took.String())
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // every spinner is running
	answered, worst, err := stall.Probe(time.Now().Add(timeout-600*time.Millisecond), 50*time.Millisecond, func() error {
		if text, isErr := call(t, c, "machina_get_asset", map[string]any{"asset_id": "P-101"}); isErr {
			return errors.New(text)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("tools/call while plugins spin: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d runaway calls on %d processors: %d MCP tools/call answered meanwhile, slowest %v", n, n-1, answered, worst)
	if answered < 3 || worst > timeout/2 {
		t.Errorf("MCP starved while plugins spun: %d answered, slowest %v", answered, worst)
	}
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
