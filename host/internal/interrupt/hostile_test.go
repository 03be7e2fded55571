package interrupt_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/machina-go/machina/internal/stall"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// slack is how late after its deadline a call may return.
const slack = 100 * time.Millisecond

// shape is one kind of runaway guest code.
type shape struct {
	name   string
	wasm   func(testing.TB) []byte
	export string
}

func shapes() []shape {
	raw := func(testing.TB) []byte { return shapesModule() }
	return []shape{
		{"go/tight loop, no calls", guest, "spin"},
		{"go/loop with calls", guest, "spin_calls"},
		{"go/exponential recursion", guest, "exp"},
		{"go/deep recursion (20 000 frames) then exponential", guest, "deep"},
		{"wasm/tight loop, no calls", raw, "spin"},
		{"wasm/loop with calls", raw, "loop_call"},
		{"wasm/exponential recursion, no loop", raw, "exp"},
		{"wasm/deep recursion (20 000 frames) then exponential, no loop", raw, "deep"},
	}
}

// compiled compiles each distinct module once per host.
type compiled struct {
	h  *host
	mu sync.Mutex
	m  map[*byte]wazero.CompiledModule
}

func (c *compiled) get(tb testing.TB, wasm []byte) wazero.CompiledModule {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[*byte]wazero.CompiledModule{}
	}
	if cm, ok := c.m[&wasm[0]]; ok {
		return cm
	}
	cm := c.h.compile(tb, wasm)
	c.m[&wasm[0]] = cm
	return cm
}

// runUntil calls export under a context that expires after timeout and
// checks that the call was stopped by the interrupt within slack (plus
// however long the machine kept this process from running meanwhile, see
// watchStalls).
func runUntil(m api.Module, export string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return runUntilCtx(ctx, m, export, timeout)
}

func runUntilCtx(ctx context.Context, m api.Module, export string, timeout time.Duration) error {
	stalls := stall.Watch()
	start := time.Now()
	_, err := m.ExportedFunction(export).Call(ctx)
	took := time.Since(start)
	stall := stalls()
	switch {
	case err == nil:
		return fmt.Errorf("%s returned normally after %v", export, took)
	case !errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: want a deadline error, got %v", export, err)
	case took > timeout+slack+stall:
		return fmt.Errorf("%s stopped after %v, more than %v + %v (+ %v the process could not run)", export, took, timeout, slack, stall)
	}
	if _, ok := interrupt.Interrupted(err); !ok {
		return fmt.Errorf("%s: error does not carry *interrupt.Error: %v", export, err)
	}
	return nil
}

func TestStopsEveryShape(t *testing.T) {
	h := newHost(t, modeInterrupt)
	c := &compiled{h: h}
	for _, s := range shapes() {
		t.Run(s.name, func(t *testing.T) {
			m := h.instance(t, c.get(t, s.wasm(t)))
			if err := runUntil(m, s.export, 200*time.Millisecond); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStopsOnCancel(t *testing.T) {
	h := newHost(t, modeInterrupt)
	m := h.instance(t, h.compile(t, guest(t)))
	ctx, cancel := context.WithCancelCause(context.Background())
	why := errors.New("operator pressed stop")
	time.AfterFunc(100*time.Millisecond, func() { cancel(why) })
	start := time.Now()
	_, err := m.ExportedFunction("spin_calls").Call(ctx)
	if !errors.Is(err, why) || time.Since(start) > 100*time.Millisecond+slack {
		t.Fatalf("want the cancel cause within %v, got %v after %v", slack, err, time.Since(start))
	}
}

// TestStopsMoreSpinnersThanProcessors runs one more runaway guest than
// there are processors, of every shape, while an HTTP server in the same
// process must keep answering; every guest must still stop on time.
func TestStopsMoreSpinnersThanProcessors(t *testing.T) {
	h := newHost(t, modeInterrupt)
	c := &compiled{h: h}
	all := shapes()
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			n := procs + 1
			if n < 3 {
				n = 3
			}
			mods := make([]api.Module, n)
			exports := make([]string, n)
			for i := range n {
				s := all[i%len(all)]
				mods[i], exports[i] = h.instance(t, c.get(t, s.wasm(t))), s.export
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, "ok")
			}))
			defer srv.Close()

			const timeout = time.Second
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- runUntil(mods[i], exports[i], timeout)
				}()
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()

			// Serve while they spin: one request every 20 ms.
			time.Sleep(50 * time.Millisecond) // let every guest start spinning
			served, worst, err := stall.Probe(time.Now().Add(timeout-200*time.Millisecond), 20*time.Millisecond, stall.Get(srv.URL))
			if err != nil {
				t.Fatalf("HTTP while guests spin: %v", err)
			}
			<-done
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			t.Logf("%d guests on %d processors: %d HTTP requests answered meanwhile, slowest %v", n, procs, served, worst)
			// Starved, the server would answer nothing until the guests
			// stop. The bounds are loose because the machines this runs on
			// are shared and -race slows the Go side several times.
			if served < 5 || worst > timeout/2 {
				t.Errorf("HTTP starved while guests spun: %d answered, slowest %v", served, worst)
			}
		})
	}
}

// TestStopsSleepingGuest: wazero's sleep ignores the call's context; with
// a Sleeper as the instance's nanosleep the sleep ends with the call and
// the interrupt check stops the guest.
func TestStopsSleepingGuest(t *testing.T) {
	h := newHost(t, modeInterrupt)
	cm := h.compile(t, guest(t))
	var s interrupt.Sleeper
	ctx := context.Background()
	m, err := h.rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithSysNanotime().WithSysWalltime().WithNanosleep(s.Nanosleep))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	if _, err := m.ExportedFunction("_initialize").Call(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	defer s.Bind(cctx)()
	if err := runUntilCtx(cctx, m, "sleep", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

// TestHookYields checks the hook gives the processor away when the call
// may go on: with one processor, a goroutine made runnable just before
// has run once the hook has been called twice (the scheduler serves the
// global queue, where the yielding goroutine goes, first on one schedule in
// 61). What the yield buys end to end is measured by
// TestStopsMoreSpinnersThanProcessors: without it, HTTP latency while
// guests spun was about 5× worse.
func TestHookYields(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for range 100 {
		ran := make(chan struct{})
		go close(ran)
		interrupt.Hook(ctx, nil)
		select {
		case <-ran:
			continue
		default:
		}
		interrupt.Hook(ctx, nil)
		select {
		case <-ran:
		default:
			t.Fatal("two hook calls returned without letting a runnable goroutine run")
		}
	}
}

// TestCheck covers the three outcomes of Check.
func TestCheck(t *testing.T) {
	if err := interrupt.Check(context.Background()); err != nil {
		t.Fatalf("background: %v", err)
	}
	// A deadline in the past is caught even before the context's timer
	// has cancelled it.
	past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if err := interrupt.Check(past); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("past deadline: %v", err)
	}
	why := errors.New("shutting down")
	c, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(why)
	err := interrupt.Check(c)
	if cause, ok := interrupt.Interrupted(err); !ok || !errors.Is(cause, why) {
		t.Fatalf("cancelled with a cause: %v", err)
	}
}
