package interrupt_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// envModule provides env.add and env.g for semanticsModule.
func envModule(t testing.TB, rt wazero.Runtime) {
	t.Helper()
	ctx := context.Background()
	// A host module cannot export a global, so env.g comes from a tiny
	// wasm module and env.add from a host module re-exported through it
	// would need linking; define both in one wasm module instead:
	// (import "host" "add") re-exported as env.add, and global g = 100.
	_, err := rt.NewHostModuleBuilder("host").NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(_ context.Context, s []uint64) {
			s[0] = uint64(uint32(int32(s[0]) + int32(s[1])))
		}), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
		Export("add").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := wasmModule(
		sec(1, vec(functype([]byte{i32, i32}, []byte{i32}))),
		sec(2, vec(cat(str("host"), str("add"), []byte{0x00}, u32(0)))),
		sec(6, vec([]byte{i32, 0x00, 0x41, 0xe4, 0x00, 0x0b})), // g = 100
		sec(7, vec(export("add", 0, 0), export("g", 3, 0))),
	)
	if _, err := rt.InstantiateWithConfig(ctx, env, wazero.NewModuleConfig().WithName("env")); err != nil {
		t.Fatal(err)
	}
}

func call(t testing.TB, m api.Module, name string, args ...uint64) uint64 {
	t.Helper()
	res, err := m.ExportedFunction(name).Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res[0]
}

func TestInstrumentPreservesBehaviour(t *testing.T) {
	ctx := context.Background()
	orig := semanticsModule()
	inst, err := interrupt.Instrument(orig, interrupt.Options{Interval: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		wasm []byte
	}{{"original", orig}, {"instrumented", inst}} {
		t.Run(tc.name, func(t *testing.T) {
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			if _, err := interrupt.Instantiate(ctx, rt); err != nil {
				t.Fatal(err)
			}
			envModule(t, rt)
			m, err := rt.InstantiateWithConfig(ctx, tc.wasm, wazero.NewModuleConfig().WithName("sem"))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				fn   string
				args []uint64
				want uint64
			}{
				{"fib", []uint64{10}, 55},
				{"sum", []uint64{10}, 45},
				{"triple", []uint64{4}, 12},
				{"via_table", []uint64{7}, 21},
				{"get_g", nil, 142},
				{"ref_call", []uint64{5}, 15},
			} {
				if got := call(t, m, c.fn, c.args...); got != c.want {
					t.Errorf("%s%v = %d, want %d", c.fn, c.args, got, c.want)
				}
			}
			if g := m.ExportedGlobal("g1").Get(); g != 42 {
				t.Errorf("exported global g1 = %d, want 42 (set by the start function)", g)
			}
			for _, f := range m.ExportedFunctionDefinitions() {
				if f.Name() == "fib" && !strings.HasSuffix(f.DebugName(), ".fib") {
					t.Errorf("name section not carried over: fib is %q", f.DebugName())
				}
				if f.Name() == "sum" && !strings.HasSuffix(f.DebugName(), ".sum") {
					t.Errorf("name section not carried over: sum is %q", f.DebugName())
				}
			}
		})
	}
}

func TestInstrumentAppendsVoidType(t *testing.T) {
	ctx := context.Background()
	inst, err := interrupt.Instrument(noVoidModule(), interrupt.Options{Interval: 2})
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if _, err := interrupt.Instantiate(ctx, rt); err != nil {
		t.Fatal(err)
	}
	m, err := rt.Instantiate(ctx, inst)
	if err != nil {
		t.Fatal(err)
	}
	if got := call(t, m, "triple", 1000); got != 3000 {
		t.Fatalf("triple(1000) = %d", got)
	}
}

// TestInstrumentInterval counts the calls into the host: one per Interval
// checks, where sum(n) passes n+1 loop headers.
func TestInstrumentInterval(t *testing.T) {
	ctx := context.Background()
	for _, interval := range []uint32{1, 7, 1000} {
		inst, err := interrupt.Instrument(semanticsModule(), interrupt.Options{Interval: interval})
		if err != nil {
			t.Fatal(err)
		}
		rt := wazero.NewRuntime(ctx)
		var calls atomic.Int64
		_, err = rt.NewHostModuleBuilder(interrupt.ImportModule).NewFunctionBuilder().
			WithGoFunction(api.GoFunc(func(context.Context, []uint64) { calls.Add(1) }), nil, nil).
			Export(interrupt.ImportName).Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		envModule(t, rt)
		m, err := rt.InstantiateWithConfig(ctx, inst, wazero.NewModuleConfig().WithName("sem"))
		if err != nil {
			t.Fatal(err)
		}
		calls.Store(0)
		const n = 10_000
		call(t, m, "sum", n)
		if want := int64((n + 1) / interval); calls.Load() != want {
			t.Errorf("interval %d: %d host calls for %d loop headers, want %d", interval, calls.Load(), n+1, want)
		}
		rt.Close(ctx)
	}
}

func TestInstrumentRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		wasm       []byte
	}{
		{"not wasm", "bad magic", []byte("hello, world")},
		{"reserved namespace", "reserves", wasmModule(
			sec(1, vec(functype(nil, nil))),
			sec(2, vec(cat(str(interrupt.ImportModule), str("x"), []byte{0x00}, u32(0))))),
		},
		{"code names the counter global", "global index 1", wasmModule(
			sec(1, vec(functype(nil, nil))),
			sec(3, vec(u32(0))),
			sec(6, vec([]byte{i32, 0x01, 0x41, 0x00, 0x0b})),
			sec(10, vec(fbody(noLocals, []byte{0x41, 0x7f, 0x24, 0x01, 0x0b}))),
		)},
		{"code names the scratch local", "local index 1", wasmModule(
			sec(1, vec(functype([]byte{i32}, nil))),
			sec(3, vec(u32(0))),
			sec(10, vec(fbody(noLocals, []byte{0x41, 0x00, 0x21, 0x01, 0x0b}))),
		)},
		{"code names the appended type", "type index 1", wasmModule(
			sec(1, vec(functype([]byte{i32}, nil))),
			sec(3, vec(u32(0))),
			sec(4, vec([]byte{0x70, 0x00, 0x01})),
			sec(10, vec(fbody(noLocals, []byte{0x41, 0x00, 0x11, 0x01, 0x00, 0x0b}))),
		)},
		{"unknown opcode", "unsupported opcode", wasmModule(
			sec(1, vec(functype(nil, nil))),
			sec(3, vec(u32(0))),
			sec(10, vec(fbody(noLocals, []byte{0x06, 0x0b}))),
		)},
		{"truncated body", "unexpected end", wasmModule(
			sec(1, vec(functype(nil, nil))),
			sec(3, vec(u32(0))),
			sec(10, vec(fbody(noLocals, []byte{0x03, 0x40, 0x0b}))),
		)},
		{"body count mismatch", "function bodies", wasmModule(
			sec(1, vec(functype(nil, nil))),
			sec(3, vec(u32(0), u32(0))),
			sec(10, vec(fbody(noLocals, []byte{0x0b}))),
		)},
		{"sections out of order", "out of order", wasmModule(
			sec(5, vec([]byte{0x00, 0x01})),
			sec(1, vec(functype(nil, nil))),
		)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := interrupt.Instrument(tc.wasm, interrupt.Options{})
			if !errors.Is(err, interrupt.ErrInstrument) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an ErrInstrument mentioning %q, got %v", tc.want, err)
			}
		})
	}
}

func TestInstrumentIsDeterministic(t *testing.T) {
	a, err := interrupt.Instrument(guest(t), interrupt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := interrupt.Instrument(guest(t), interrupt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Fatal("two rewrites of the same module differ: the compilation cache would miss")
	}
}

// TestInstrumentRefusesWhatPanicsWazero: wazero v1.12.0's validator panics
// (index out of range) instead of returning an error when a function's type
// index is out of range and code calls that function. Found by
// FuzzInstrumentBytes. The rewrite checks type indices first, so such a
// module never reaches wazero's compiler on the plugin load path.
func TestInstrumentRefusesWhatPanicsWazero(t *testing.T) {
	wasm := wasmModule(
		sec(1, vec(functype(nil, nil))),
		sec(3, vec(u32(0), u32(48))),
		sec(10, vec(fbody(noLocals, []byte{0x10, 0x01, 0x0b}), fbody(noLocals, []byte{0x0b}))),
	)
	if _, err := interrupt.Instrument(wasm, interrupt.Options{}); err == nil || !strings.Contains(err.Error(), "type index 48") {
		t.Fatalf("want a refusal naming type index 48, got %v", err)
	}
	if err := compileOK(wazero.NewRuntime(context.Background()), wasm); !errors.Is(err, errWazeroPanicked) {
		t.Logf("wazero no longer panics on this module (%v): the guard is now only defence in depth", err)
	}
}

// TestInstrumentCapsLocals: wazero sizes an allocation by the declared
// number of locals before checking anything else, so a few bytes declaring
// four billion locals would make the host allocate gigabytes at load.
func TestInstrumentCapsLocals(t *testing.T) {
	wasm := wasmModule(
		sec(1, vec(functype(nil, nil))),
		sec(3, vec(u32(0))),
		sec(10, vec(fbody(vec(cat(u32(0xfffffff0), []byte{i32})), []byte{0x0b}))),
	)
	if _, err := interrupt.Instrument(wasm, interrupt.Options{}); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Fatalf("want a refusal of 4 billion locals, got %v", err)
	}
}

// TestInstrumentTableInitialiser: a table whose elements are initialised
// by an expression (the 0x40 0x00 form) names a function with ref.func,
// which the rewrite must shift like any other function index.
func TestInstrumentTableInitialiser(t *testing.T) {
	ctx := context.Background()
	orig := wasmModule(
		sec(1, vec(functype([]byte{i32}, []byte{i32}))),
		sec(2, vec(cat(str("host"), str("add"), []byte{0x00}, u32(0)))), // shifts defined functions
		sec(3, vec(u32(0), u32(0))),
		// table of 2 funcrefs, every element initialised to ref.func 1 (triple)
		sec(4, vec([]byte{0x40, 0x00, 0x70, 0x00, 0x02, 0xd2, 0x01, 0x0b})),
		sec(7, vec(export("call0", 0, 2))),
		sec(9, vec(cat([]byte{0x03, 0x00}, vec(u32(1))))), // declare function 1 for ref.func
		sec(10, vec(
			fbody(noLocals, []byte{0x20, 0x00, 0x41, 0x03, 0x6c, 0x0b}),             // 1: triple
			fbody(noLocals, []byte{0x20, 0x00, 0x41, 0x01, 0x11, 0x00, 0x00, 0x0b}), // 2: table[1](n)
		)),
	)
	inst, err := interrupt.Instrument(orig, interrupt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, wasm := range map[string][]byte{"original": orig, "instrumented": inst} {
		rt := wazero.NewRuntime(ctx)
		defer rt.Close(ctx)
		rt.NewHostModuleBuilder("host").NewFunctionBuilder().
			WithGoFunction(api.GoFunc(func(_ context.Context, s []uint64) {}), []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
			Export("add").Instantiate(ctx)
		interrupt.Instantiate(ctx, rt)
		m, err := rt.Instantiate(ctx, wasm)
		if err != nil {
			t.Skipf("%s: wazero does not instantiate table initialisers here: %v", name, err)
		}
		if got := call(t, m, "call0", 5); got != 15 {
			t.Fatalf("%s: table[1](5) = %d, want 15", name, got)
		}
	}
}

// TestInstrumentRealPlugins rewrites every plugin of the repository and
// checks wazero compiles the result, with the same exports and the
// original imports plus the interrupt hook.
func TestInstrumentRealPlugins(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and compiles every plugin")
	}
	dirs, err := filepath.Glob(filepath.Join(testplugin.Root(), "plugins", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no plugins found: %v", err)
	}
	ctx := context.Background()
	cache, err := wazero.NewCompilationCacheWithDir(cacheDir(t))
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	defer rt.Close(ctx)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			orig := testplugin.Build(t, dir)
			inst, err := interrupt.Instrument(orig, interrupt.Options{})
			if err != nil {
				t.Fatal(err)
			}
			a, err := rt.CompileModule(ctx, orig)
			if err != nil {
				t.Fatal(err)
			}
			b, err := rt.CompileModule(ctx, inst)
			if err != nil {
				t.Fatalf("wazero refuses the rewritten module: %v", err)
			}
			if fmt.Sprint(exportNames(a)) != fmt.Sprint(exportNames(b)) {
				t.Fatalf("exports changed: %v -> %v", exportNames(a), exportNames(b))
			}
			want := append(importNames(a), interrupt.ImportModule+"."+interrupt.ImportName)
			if fmt.Sprint(want) != fmt.Sprint(importNames(b)) {
				t.Fatalf("imports: got %v, want %v", importNames(b), want)
			}
			t.Logf("%d -> %d bytes (+%.1f%%)", len(orig), len(inst), 100*float64(len(inst)-len(orig))/float64(len(orig)))
		})
	}
}

func exportNames(cm wazero.CompiledModule) []string {
	var out []string
	for name := range cm.ExportedFunctions() {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func importNames(cm wazero.CompiledModule) []string {
	var out []string
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		out = append(out, mod+"."+name)
	}
	return out
}
