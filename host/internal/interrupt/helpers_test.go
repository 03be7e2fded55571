package interrupt_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/machina-go/machina/host/internal/wasmbin"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// ---- a tiny wasm assembler for hand-written modules ----

func u32(v uint32) []byte { return wasmbin.AppendU32(nil, v) }

func s32(v int32) []byte { return wasmbin.AppendS32(nil, v) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func str(s string) []byte { return cat(u32(uint32(len(s))), []byte(s)) }

func vec(items ...[]byte) []byte { return cat(u32(uint32(len(items))), cat(items...)) }

func sec(id byte, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat([]byte{id}, u32(uint32(len(p))), p)
}

func wasmModule(sections ...[]byte) []byte {
	return cat([]byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}, cat(sections...))
}

func functype(params, results []byte) []byte {
	return cat([]byte{0x60}, u32(uint32(len(params))), params, u32(uint32(len(results))), results)
}

// fbody is a code-section entry: locals (vector of groups) and code, which
// must end with 0x0b.
func fbody(locals []byte, code ...[]byte) []byte {
	b := cat(locals, cat(code...))
	return cat(u32(uint32(len(b))), b)
}

func export(name string, kind byte, idx uint32) []byte {
	return cat(str(name), []byte{kind}, u32(idx))
}

var noLocals = []byte{0x00}

const (
	i32 = 0x7f
	i64 = 0x7e
)

// ---- guests ----

// guestWasm builds testdata/guest once per source version, caching the
// module on disk across test runs.
var guestWasm = sync.OnceValues(func() ([]byte, error) {
	src, err := os.ReadFile(filepath.Join("testdata", "guest", "main.go"))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append(src, runtime.Version()...))
	dir := filepath.Join(os.TempDir(), "machina-interrupt-guests-"+strconv.Itoa(os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, hex.EncodeToString(sum[:8])+".wasm")
	if b, err := os.ReadFile(out); err == nil {
		return b, nil
	}
	tmp := out + ".tmp" + strconv.Itoa(os.Getpid())
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", tmp, "./testdata/guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=-buildvcs=false")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, &buildError{msg: string(msg), err: err}
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
})

type buildError struct {
	msg string
	err error
}

func (e *buildError) Error() string { return "building guest: " + e.err.Error() + "\n" + e.msg }

func guest(tb testing.TB) []byte {
	tb.Helper()
	b, err := guestWasm()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// cacheDir is a compilation cache shared by test runs of this user.
func cacheDir(tb testing.TB) string {
	dir := filepath.Join(os.TempDir(), "machina-interrupt-wazero-cache-"+strconv.Itoa(os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// mode is how a runtime stops runaway guests.
type mode int

const (
	modeNone        mode = iota // no termination at all (baseline)
	modeCloseOnDone             // wazero's WithCloseOnContextDone
	modeInterrupt               // this package
)

func (m mode) String() string {
	return [...]string{"none", "closeOnDone", "interrupt"}[m]
}

// host is one wazero runtime with WASI and, for modeInterrupt, the hook.
type host struct {
	rt   wazero.Runtime
	mode mode
}

func newHost(tb testing.TB, m mode) *host {
	tb.Helper()
	ctx := context.Background()
	cache, err := wazero.NewCompilationCacheWithDir(cacheDir(tb))
	if err != nil {
		tb.Fatal(err)
	}
	// Memory is reserved up to the cap, so growing it never copies: under
	// -race every copy of guest memory is tracked byte range by byte range,
	// which makes a guest that grows its stack spend hundreds of
	// milliseconds inside wazero — host time no check can interrupt, and an
	// artefact of the race detector, not of the mechanism under test.
	rc := wazero.NewRuntimeConfig().WithCompilationCache(cache).
		WithCloseOnContextDone(m == modeCloseOnDone).
		WithMemoryLimitPages(512).WithMemoryCapacityFromMax(true)
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	tb.Cleanup(func() { rt.Close(ctx); cache.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	if _, err := interrupt.Instantiate(ctx, rt); err != nil {
		tb.Fatal(err)
	}
	return &host{rt: rt, mode: m}
}

// compile instruments wasm for modeInterrupt and compiles it.
func (h *host) compile(tb testing.TB, wasm []byte) wazero.CompiledModule {
	tb.Helper()
	if h.mode == modeInterrupt {
		var err error
		if wasm, err = interrupt.Instrument(wasm, interrupt.Options{}); err != nil {
			tb.Fatal(err)
		}
	}
	cm, err := h.rt.CompileModule(context.Background(), wasm)
	if err != nil {
		tb.Fatal(err)
	}
	return cm
}

// instance instantiates a compiled module anonymously and runs the Go
// reactor's _initialize if it has one.
func (h *host) instance(tb testing.TB, cm wazero.CompiledModule) api.Module {
	tb.Helper()
	ctx := context.Background()
	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithSysNanotime().WithSysWalltime().WithSysNanosleep()
	m, err := h.rt.InstantiateModule(ctx, cm, mc)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close(ctx) })
	if f := m.ExportedFunction("_initialize"); f != nil {
		if _, err := f.Call(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	return m
}
