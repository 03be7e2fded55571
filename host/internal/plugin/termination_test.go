package plugin_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/stall"
	"github.com/machina-go/machina/internal/wire"
)

// stopSlack is how late after its timeout a runaway call may return.
const stopSlack = 100 * time.Millisecond

// runaway calls a probe mode that never ends under a deadline of timeout
// and checks it is stopped as a timeout trap within stopSlack (plus however
// long the machine kept this process from running meanwhile, see
// watchStalls). Plugins are loaded with a long CallTimeout, so loading
// (describe, which runs the Go runtime's initialisation) is not what is
// timed on a slow machine; the caller's deadline takes the same path.
func runaway(p *plugin.Plugin, mode string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	stalls := stall.Watch()
	start := time.Now()
	_, err := getAsset(ctx, p, mode)
	took := time.Since(start)
	stall := stalls()
	switch {
	case !errors.Is(err, plugin.ErrTrap):
		return fmt.Errorf("%s: want a trap, got %v", mode, err)
	case !strings.Contains(err.Error(), "timeout"):
		return fmt.Errorf("%s: want a timeout, got %v", mode, err)
	case took > timeout+stopSlack+stall:
		return fmt.Errorf("%s: stopped after %v, more than %v + %v (+ %v the process could not run)", mode, took, timeout, stopSlack, stall)
	}
	return nil
}

// loadLimits are the limits runaway tests load the probe with.
var loadLimits = plugin.Limits{PoolSize: 1, CallTimeout: time.Minute}

func TestTimeoutStopsEveryShape(t *testing.T) {
	const timeout = 500 * time.Millisecond
	for _, mode := range []string{"loop", "spincalls", "exp", "deep", "sleep"} {
		t.Run(mode, func(t *testing.T) {
			p := loadProbe(t, loadLimits)
			if err := runaway(p, mode, timeout); err != nil {
				t.Fatal(err)
			}
			mustEcho(t, p) // the interrupted instance was replaced
			if s := p.Stats(); s.Traps != 1 {
				t.Fatalf("traps = %d, want 1", s.Traps)
			}
		})
	}
}

// TestTimeoutWithMoreSpinningPluginsThanProcessors runs one more runaway
// plugin than there are processors while the process keeps answering
// HTTP; every call must still stop on time.
func TestTimeoutWithMoreSpinningPluginsThanProcessors(t *testing.T) {
	const timeout = time.Second
	n := runtime.GOMAXPROCS(0) + 1
	modes := []string{"loop", "spincalls", "exp", "deep"}
	ps := make([]*plugin.Plugin, n)
	e := newEngine(t)
	wasm := testplugin.Build(t, "host/internal/plugin/testdata/probe")
	for i := range ps {
		p, err := e.Load(context.Background(), wasm, plugin.LoadOptions{Limits: loadLimits})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close(context.Background()) })
		ps[i] = p
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()

	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- runaway(p, modes[i%len(modes)], timeout)
		}()
	}
	time.Sleep(100 * time.Millisecond)
	served, worst, err := stall.Probe(time.Now().Add(timeout-300*time.Millisecond), 20*time.Millisecond, stall.Get(srv.URL))
	if err != nil {
		t.Fatalf("HTTP while plugins spin: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	t.Logf("%d spinning plugins on %d processors: %d HTTP requests answered meanwhile, slowest %v", n, n-1, served, worst)
	// Starved, the server would answer nothing until the plugins stop; the
	// bounds are loose because test machines are shared and -race is slow.
	if served < 5 || worst > timeout/2 {
		t.Errorf("HTTP starved while plugins spun: %d answered, slowest %v", served, worst)
	}
	for _, p := range ps {
		mustEcho(t, p)
	}
}

// TestCancelStopsCall checks a caller's cancellation stops a runaway call
// (not only the plugin's own timeout).
func TestCancelStopsCall(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 1, CallTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := getAsset(ctx, p, "spincalls")
	if !errors.Is(err, plugin.ErrTrap) || !strings.Contains(err.Error(), "cancelled") || time.Since(start) > 200*time.Millisecond+stopSlack {
		t.Fatalf("want a cancellation within %v, got %v after %v", stopSlack, err, time.Since(start))
	}
	mustEcho(t, p)
}

// TestRewrittenModuleStillAudited checks the import list a plugin reports
// is the module's own, without the interrupt import the host adds.
func TestRewrittenModuleStillAudited(t *testing.T) {
	p := loadProbe(t, plugin.Limits{PoolSize: 1})
	for _, imp := range p.Imports() {
		if imp.Module == "machina_rt" {
			t.Fatalf("host-added import reported as the plugin's: %v", imp)
		}
	}
	var resp abi.HealthResponse
	if err := p.CallOp(context.Background(), abi.OpHealth, struct{}{}, &resp); err != nil {
		t.Fatal(err)
	}
}

// TestModuleThatPanicsTheCompiler loads a module on which wazero's
// validator panics (a called function with an out-of-range type index):
// with either termination mechanism, Load must fail, not crash the host.
func TestModuleThatPanicsTheCompiler(t *testing.T) {
	mod := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // types: () -> ()
		0x03, 0x03, 0x02, 0x00, 0x30, // functions: type 0, type 48
		0x0a, 0x09, 0x02, 0x04, 0x00, 0x10, 0x01, 0x0b, 0x02, 0x00, 0x0b, // code: call 1; (empty)
	}
	mod, err := wasmfile.AppendCustomSection(mod, wire.ManifestSection,
		[]byte("name = \"crash\"\nversion = \"1.0.0\"\nabi = \""+abi.Version+"\"\nkind = \"cmms\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range []bool{false, true} {
		e := newEngine(t)
		if old {
			plugin.UseCloseOnContextDone(e)
		}
		if _, err := e.Load(context.Background(), mod, plugin.LoadOptions{}); err == nil {
			t.Fatalf("closeOnContextDone=%v: a module wazero cannot validate was loaded", old)
		} else {
			t.Logf("closeOnContextDone=%v: %v", old, err)
		}
	}
}
