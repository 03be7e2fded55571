package interrupt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// stripCustomSections removes every custom section, which cannot change
// what a module does (wazero's handling of some — an empty one at the very
// end, a malformed name section — differs from the specification, and the
// rewrite may drop or rebuild name and DWARF sections); nil if the section
// headers are malformed.
func stripCustomSections(b []byte) []byte {
	if len(b) < 8 {
		return nil
	}
	out := append([]byte(nil), b[:8]...)
	for i := 8; i < len(b); {
		start := i
		id := b[i]
		i++
		size, n := uleb(b[i:])
		if n == 0 || uint64(len(b)-i-n) < size {
			return nil
		}
		i += n
		end := i + int(size)
		if id != 0 {
			out = append(out, b[start:end]...)
		}
		i = end
	}
	return out
}

func uleb(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// provenInvalid reports whether a refusal shows by itself that the module
// is malformed or invalid (truncated, a vector longer than the bytes
// left, an index beyond its index space, sections out of order...) or
// exceeds a limit the rewrite sets on purpose — everything except the
// refusals of things the rewrite does not know, which wazero might accept
// and which are therefore checked against it. Index counting itself is
// checked by the program fuzzer and the behaviour tests, whose modules are
// valid.
func provenInvalid(err error) bool {
	for _, s := range []string{"unsupported", "unknown", "reserves", "initialiser", "malformed table"} {
		if strings.Contains(err.Error(), s) {
			return false
		}
	}
	return true
}

// errWazeroPanicked marks a module that made wazero's compiler panic (a
// wazero bug on some invalid modules; see TestInstrumentRefusesWhatPanicsWazero).
var errWazeroPanicked = errors.New("wazero panicked")

func compileOK(rt wazero.Runtime, b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errWazeroPanicked, r)
		}
	}()
	cm, err := rt.CompileModule(context.Background(), b)
	if err == nil {
		cm.Close(context.Background())
	}
	return err
}

// FuzzInstrumentBytes rewrites arbitrary bytes. The rewrite must never
// panic, must accept every module wazero accepts (save one importing the
// reserved namespace), must produce a module wazero accepts, and must never
// turn a module wazero refuses into one it accepts — the property that
// keeps a hostile module from reaching the counter through an index that
// was out of range before the rewrite.
func FuzzInstrumentBytes(f *testing.F) {
	f.Add(shapesModule())
	f.Add(semanticsModule())
	f.Add(noVoidModule())
	for _, seed := range [][]byte{{1, 2, 3}, {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, {7, 0, 6, 1, 4, 9, 3, 8, 2, 6, 5, 5, 5}} {
		f.Add(genModule(seed))
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	f.Cleanup(func() { rt.Close(ctx) })
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := interrupt.Instrument(in, interrupt.Options{Interval: 3})
		if err != nil && !errors.Is(err, interrupt.ErrInstrument) {
			t.Fatalf("error does not wrap ErrInstrument: %v", err)
		}
		if err != nil && provenInvalid(err) {
			// wazero sizes allocations by counts it has not checked yet, so
			// asking it about such a module can take gigabytes; the
			// refusal itself shows the module is invalid.
			return
		}
		origErr := compileOK(rt, in)
		if errors.Is(origErr, errWazeroPanicked) {
			// wazero may be left in a bad state: use a fresh runtime.
			rt.Close(ctx)
			rt = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
		}
		if err != nil {
			if origErr == nil && !strings.Contains(err.Error(), "reserves") {
				t.Fatalf("wazero accepts the module but the rewrite refuses it: %v", err)
			}
			return
		}
		instErr := compileOK(rt, out)
		if errors.Is(instErr, errWazeroPanicked) {
			t.Fatalf("the rewrite passed a module that makes wazero panic: %v", instErr)
		}
		if origErr == nil && instErr != nil {
			t.Fatalf("the rewrite broke a valid module: %v", instErr)
		}
		// Judged without custom sections: invalid code must stay invalid.
		if plain := stripCustomSections(in); plain != nil && instErr == nil {
			if plainErr := compileOK(rt, plain); plainErr != nil {
				t.Fatalf("the rewrite made an invalid module valid (original: %v)", plainErr)
			}
		}
	})
}

// FuzzInstrumentPrograms generates small terminating programs (loops,
// blocks, br_if, br_table, direct and indirect calls, memory, a global)
// and checks that every export returns the same value, traps the same way,
// and leaves memory and the global in the same state before and after the
// rewrite — with a check interval small enough that the hook runs often.
func FuzzInstrumentPrograms(f *testing.F) {
	for _, seed := range [][]byte{nil, {1, 2, 3, 4}, {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, {3, 6, 9, 1, 0, 5, 7, 2, 8, 4, 6, 1, 3, 5, 7}} {
		f.Add(seed, uint8(1), int32(7))
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	f.Cleanup(func() { rt.Close(ctx) })
	var hookCalls int
	_, err := rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(context.Context, []uint64) {}), nil, nil).Export("hook").
		Instantiate(ctx)
	if err != nil {
		f.Fatal(err)
	}
	_, err = rt.NewHostModuleBuilder(interrupt.ImportModule).NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(context.Context, []uint64) { hookCalls++ }), nil, nil).Export(interrupt.ImportName).
		Instantiate(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, prog []byte, interval uint8, arg int32) {
		orig := genModule(prog)
		inst, err := interrupt.Instrument(orig, interrupt.Options{Interval: uint32(interval%8) + 1})
		if err != nil {
			t.Fatal(err)
		}
		a, err := runAll(rt, orig, arg)
		if err != nil {
			t.Fatalf("generated module: %v", err)
		}
		b, err := runAll(rt, inst, arg)
		if err != nil {
			t.Fatalf("instrumented module: %v", err)
		}
		if a != b {
			t.Fatalf("behaviour changed:\n original     %s\n instrumented %s", a, b)
		}
	})
}

// runAll instantiates wasm and calls f0..f3 with arg, describing results,
// traps, the global and a hash of memory after each call.
func runAll(rt wazero.Runtime, wasm []byte, arg int32) (string, error) {
	ctx := context.Background()
	m, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return "", err
	}
	defer m.Close(ctx)
	var sb strings.Builder
	for fn := range genFuncs {
		res, err := m.ExportedFunction(fmt.Sprintf("f%d", fn)).Call(ctx, api.EncodeI32(arg))
		mem, _ := m.ExportedMemory("mem").Read(0, 0x1004)
		fmt.Fprintf(&sb, "f%d: %v trap=%v g=%d mem=%x; ", fn, res, err != nil, m.ExportedGlobal("g").Get(), fnv(mem))
		if err != nil && !strings.Contains(err.Error(), "wasm error") {
			return "", err
		}
	}
	return sb.String(), nil
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// TestGeneratorExercisesTheRewrite guards the fuzz generator itself: its
// programs must be valid and must reach loops and calls that the rewrite
// instruments.
func TestGeneratorExercisesTheRewrite(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	calls := 0
	rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(context.Context, []uint64) {}), nil, nil).Export("hook").Instantiate(ctx)
	rt.NewHostModuleBuilder(interrupt.ImportModule).NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(context.Context, []uint64) { calls++ }), nil, nil).Export(interrupt.ImportName).Instantiate(ctx)
	seed := uint64(1)
	withLoops := 0
	for i := range 200 {
		prog := make([]byte, 64)
		for j := range prog {
			seed = seed*6364136223846793005 + 1442695040888963407
			prog[j] = byte(seed >> 56)
		}
		wasm := genModule(prog)
		if err := compileOK(rt, wasm); err != nil {
			t.Fatalf("program %d is invalid: %v", i, err)
		}
		if bytes.Contains(wasm, []byte{0x03, 0x40}) {
			withLoops++
		}
		inst, err := interrupt.Instrument(wasm, interrupt.Options{Interval: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := runAll(rt, inst, int32(i)); err != nil {
			t.Fatal(err)
		}
	}
	if withLoops < 50 || calls < 1000 {
		t.Fatalf("generator too tame: %d/200 programs with loops, %d hook calls", withLoops, calls)
	}
	t.Logf("%d/200 programs with loops, %d hook calls", withLoops, calls)
}
