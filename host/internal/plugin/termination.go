package plugin

import (
	"context"
	"errors"
	"fmt"

	extism "github.com/extism/go-sdk"
	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/tetratelabs/wazero"
)

// termination is how an Engine stops a call that overruns its deadline.
type termination int

const (
	// terminateInterrupt rewrites each module at load so loop headers and
	// function entries count down and call interrupt.Hook every
	// interrupt.DefaultInterval checks (package interrupt).
	terminateInterrupt termination = iota
	// terminateCloseOnDone is wazero's WithCloseOnContextDone: an exit into
	// Go at every loop back-edge (2–4× slower guests). Kept for benchmarks.
	terminateCloseOnDone
	// terminateNone cannot stop a runaway call at all: the floor the other
	// two are measured against. Benchmarks only.
	terminateNone
)

// prepare returns the module bytes to compile and the runtime
// configuration for the Engine's termination mechanism.
func (e *Engine) prepare(wasm []byte, rc wazero.RuntimeConfig) ([]byte, wazero.RuntimeConfig, error) {
	switch e.termination {
	case terminateCloseOnDone:
		return wasm, rc.WithCloseOnContextDone(true), nil
	case terminateNone:
		return wasm, rc, nil
	}
	out, err := e.rewrites.Instrument(wasm)
	if err != nil {
		return nil, nil, err
	}
	return out, rc, nil
}

// interruptFunction is the host function an instrumented module imports.
// It runs every interrupt.DefaultInterval loop iterations or function
// entries; when the call's context is done it stops the call (the
// instance is then discarded as after any trap), otherwise it yields the
// processor so the host keeps serving while plugins spin.
func interruptFunction() extism.HostFunction {
	f := extism.NewHostFunctionWithStack(interrupt.ImportName, func(ctx context.Context, _ *extism.CurrentPlugin, stack []uint64) {
		interrupt.Hook(ctx, stack)
	}, nil, nil)
	f.SetNamespace(interrupt.ImportModule)
	return f
}

// interruptedReason describes a call the interrupt check stopped, or
// returns "" when err is not one.
func interruptedReason(err error, l Limits) string {
	cause, ok := interrupt.Interrupted(err)
	switch {
	case !ok:
		return ""
	case errors.Is(cause, context.DeadlineExceeded):
		return fmt.Sprintf("call exceeded the %v timeout and was stopped", l.CallTimeout)
	default:
		return "call was cancelled"
	}
}
