package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// directModule runs plugins of the direct convention (ABI 1.3) on wazero
// itself: the host functions read and write the plugin's own memory, and
// exports are called through cached function handles, with none of
// Extism's per-call kernel calls.
type directModule struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	memory   *memoryPool
	limits   Limits
}

// compileDirect builds a runtime with WASI, the machina host module and
// (for the interrupt termination) the interrupt hook, and compiles code.
func compileDirect(ctx context.Context, rc wazero.RuntimeConfig, code []byte, h Host, limits Limits, hook bool) (*directModule, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	fail := func(err error) (*directModule, error) {
		rt.Close(ctx)
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return fail(fmt.Errorf("instantiating WASI: %w", err))
	}
	if hook {
		if _, err := interrupt.Instantiate(ctx, rt); err != nil {
			return fail(err)
		}
	}
	if err := instantiateDirectHost(ctx, rt, h, limits); err != nil {
		return fail(err)
	}
	// Instances start from the data segments' memory image in one piece
	// (see wasmfile.SplitData and memoryAllocator).
	code, image, err := wasmfile.SplitData(code)
	if err != nil {
		return fail(err)
	}
	compiled, err := compileModule(ctx, rt, code)
	if err != nil {
		return fail(err)
	}
	return &directModule{rt: rt, compiled: compiled, memory: newMemoryPool(newMemImage(image), limits.PoolSize), limits: limits}, nil
}

func (m *directModule) close(ctx context.Context) error {
	err := m.rt.Close(ctx)
	m.memory.close()
	return err
}

// instantiate creates an instance and runs the module's _initialize (the
// Go runtime's start-up) under ctx, which carries the call timeout, so a
// module that never finishes starting is stopped like any runaway call.
func (m *directModule) instantiate(ctx context.Context, mc wazero.ModuleConfig, out io.Writer) (backend, error) {
	inst := &directInstance{fns: map[string]api.Function{}, limits: m.limits}
	ctx = experimental.WithMemoryAllocator(ctx, m.memory.allocator())
	mod, err := m.rt.InstantiateModule(context.WithValue(ctx, directKey{}, inst), m.compiled,
		mc.WithName("").WithStartFunctions().WithStdout(out).WithStderr(out))
	if err != nil {
		return nil, err
	}
	inst.mod = mod
	if f := mod.ExportedFunction("_initialize"); f != nil {
		if _, err := f.Call(context.WithValue(ctx, directKey{}, inst)); err != nil {
			mod.Close(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	return inst, nil
}

// directKey carries the running directInstance to the host functions.
type directKey struct{}

// directInstance is one instance of a direct-convention module. It is used
// by one call at a time; the fields below mod hold that call's state.
type directInstance struct {
	mod    api.Module
	fns    map[string]api.Function
	limits Limits
	stack  [1]uint64

	input               []byte
	output              []byte
	wrote, failed       bool
	replyHdr, replyTail []byte
	pending             bool
}

// function returns the cached handle of an export `() -> i32`.
func (d *directInstance) function(name string) (api.Function, error) {
	if f, ok := d.fns[name]; ok {
		return f, nil
	}
	f := d.mod.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("unknown function: %s", name)
	}
	def := f.Definition()
	if len(def.ParamTypes()) != 0 || len(def.ResultTypes()) != 1 || def.ResultTypes()[0] != api.ValueTypeI32 {
		return nil, fmt.Errorf("export %s has signature %v -> %v, want () -> i32", name, def.ParamTypes(), def.ResultTypes())
	}
	d.fns[name] = f
	return f, nil
}

// call runs one export: the host function input_read copies input into
// the plugin's memory, output_write or error_write copies the result out.
func (d *directInstance) call(ctx context.Context, export string, input []byte) ([]byte, *abi.Error, error) {
	f, err := d.function(export)
	if err != nil {
		return nil, nil, err
	}
	d.input, d.output, d.wrote, d.failed, d.pending = input, nil, false, false, false
	defer func() { d.input, d.output, d.replyHdr, d.replyTail, d.pending = nil, nil, nil, nil, false }()
	if err := f.CallWithStack(context.WithValue(ctx, directKey{}, d), d.stack[:]); err != nil {
		return nil, nil, err
	}
	if rc := int32(d.stack[0]); rc != 0 {
		return nil, nil, fmt.Errorf("export %s returned %d", export, rc)
	}
	if !d.wrote {
		return nil, nil, fmt.Errorf("export %s wrote no output", export)
	}
	if d.failed {
		var e abi.Error
		if err := json.Unmarshal(d.output, &e); err != nil {
			return nil, nil, fmt.Errorf("export %s wrote an error that is not an ABI error object", export)
		}
		return nil, abi.AsError(&e), nil
	}
	return d.output, nil, nil
}

func (d *directInstance) close(ctx context.Context) error { return d.mod.Close(ctx) }

// instanceOf returns the instance a host function runs for. wazero only
// calls host functions from inside a call this package made, which always
// carries one.
func instanceOf(ctx context.Context) *directInstance {
	d, _ := ctx.Value(directKey{}).(*directInstance)
	if d == nil {
		panic("machina host function called outside a plugin call")
	}
	return d
}

// guestBytes returns a view of [ptr, ptr+n) in the plugin's memory, valid
// until the plugin runs again; out-of-range stops the call.
func guestBytes(mod api.Module, ptr, n uint32) []byte {
	if n == 0 {
		return nil
	}
	b, ok := mod.Memory().Read(ptr, n)
	if !ok {
		panic(fmt.Errorf("plugin passed %d bytes at %#x, outside its memory", n, ptr))
	}
	return b
}

// writeGuest copies b into the plugin's memory at ptr.
func writeGuest(mod api.Module, ptr uint32, b []byte) {
	if len(b) > 0 && !mod.Memory().Write(ptr, b) {
		panic(fmt.Errorf("plugin asked for %d bytes at %#x, outside its memory", len(b), ptr))
	}
}

// ioFunctions are the export input/output functions of the direct
// convention.
func ioFunctions() map[string]api.GoModuleFunction {
	output := func(failed bool) api.GoModuleFunc {
		return func(ctx context.Context, mod api.Module, stack []uint64) {
			d := instanceOf(ctx)
			n := uint32(stack[1])
			if d.wrote {
				panic(fmt.Errorf("export wrote its output twice"))
			}
			if int64(n) > int64(d.limits.MaxOutputBytes) {
				panic(fmt.Errorf("output of %d bytes exceeds the %d byte cap", n, d.limits.MaxOutputBytes))
			}
			d.output = append([]byte(nil), guestBytes(mod, uint32(stack[0]), n)...)
			d.wrote, d.failed = true, failed
		}
	}
	return map[string]api.GoModuleFunction{
		wire.HostInputSize: api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
			stack[0] = uint64(len(instanceOf(ctx).input))
		}),
		wire.HostInputRead: api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			writeGuest(mod, uint32(stack[0]), instanceOf(ctx).input)
		}),
		wire.HostOutputWrite: output(false),
		wire.HostErrorWrite:  output(true),
		wire.HostReplyRead: api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			d := instanceOf(ctx)
			if !d.pending {
				panic(fmt.Errorf("reply_read without a pending reply"))
			}
			writeGuest(mod, uint32(stack[0]), d.replyHdr)
			writeGuest(mod, uint32(stack[1]), d.replyTail)
			d.replyHdr, d.replyTail, d.pending = nil, nil, false
		}),
	}
}

// instantiateDirectHost defines the machina host module of the direct
// convention on rt.
func instantiateDirectHost(ctx context.Context, rt wazero.Runtime, h Host, limits Limits) error {
	b := rt.NewHostModuleBuilder(wire.Namespace)
	i32 := api.ValueTypeI32
	sigs := map[string][2][]api.ValueType{
		wire.HostInputSize:   {nil, {i32}},
		wire.HostInputRead:   {{i32}, nil},
		wire.HostOutputWrite: {{i32, i32}, nil},
		wire.HostErrorWrite:  {{i32, i32}, nil},
		wire.HostReplyRead:   {{i32, i32}, nil},
	}
	for name, fn := range ioFunctions() {
		s := sigs[name]
		b.NewFunctionBuilder().WithGoModuleFunction(fn, s[0], s[1]).Export(name)
	}
	for name, call := range directCalls(h) {
		b.NewFunctionBuilder().
			WithGoModuleFunction(capabilityFunction(call, limits.MaxInputBytes), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{api.ValueTypeI64}).
			Export(name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("instantiating the %s host module: %w", wire.Namespace, err)
	}
	return nil
}

// capabilityFunction adapts a directCall to the (hdr, tail) -> packed
// reply signature. The reply waits in the instance for reply_read.
func capabilityFunction(call directCall, maxIn int) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		d := instanceOf(ctx)
		hdrLen, tailLen := uint32(stack[1]), uint32(stack[3])
		var rh, rt []byte
		if int64(hdrLen)+int64(tailLen) > int64(maxIn) {
			rh = errorReply(abi.InvalidArgument("host call input of %d bytes exceeds the %d byte cap", int64(hdrLen)+int64(tailLen), maxIn))
		} else {
			hdr := guestBytes(mod, uint32(stack[0]), hdrLen)
			tail := guestBytes(mod, uint32(stack[2]), tailLen)
			rh, rt = safeDirectCall(ctx, call, hdr, tail)
		}
		d.replyHdr, d.replyTail, d.pending = rh, rt, rh != nil || rt != nil
		stack[0] = wire.PackReply(len(rh), len(rt))
	}
}
