package interrupt

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Error is the cause of a call the interrupt check stopped. wazero returns
// it wrapped from the call, so errors.As and errors.Is (with
// context.DeadlineExceeded or context.Canceled) see it.
type Error struct {
	// Cause is context.DeadlineExceeded, context.Canceled or the cause the
	// call's context was cancelled with.
	Cause error
}

// Error implements error.
func (e *Error) Error() string { return "wasm call interrupted: " + e.Cause.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Check returns an *Error when the call running under ctx must stop: its
// context is done, or its deadline has passed (even if the timer that
// cancels the context has not run yet — with every processor running
// guests it may be late).
func Check(ctx context.Context) error {
	select {
	case <-ctx.Done():
		cause := context.Cause(ctx)
		if cause == nil {
			cause = ctx.Err()
		}
		return &Error{Cause: cause}
	default:
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return &Error{Cause: context.DeadlineExceeded}
	}
	return nil
}

// Hook is the body of the host function ImportModule.ImportName that an
// instrumented module imports (signature () -> ()); ctx is the context of
// the call into the module. When Check fails it stops the call: it panics
// with the *Error, which wazero recovers at the boundary of the call and
// returns as the call's error — the way wazero's own proc_exit unwinds a
// guest. The panic never reaches the caller of the wasm function. Otherwise
// it yields the processor, so other goroutines run even when every
// processor is running guest code.
//
// Hook must only be called by wazero as a host function.
func Hook(ctx context.Context, _ []uint64) {
	if err := Check(ctx); err != nil {
		panic(err)
	}
	runtime.Gosched()
}

// Instantiate defines and instantiates the host module ImportModule on r,
// for embedders that use wazero directly. (The extism-based plugin runtime
// registers Hook as an extism host function instead.)
func Instantiate(ctx context.Context, r wazero.Runtime) (api.Module, error) {
	m, err := r.NewHostModuleBuilder(ImportModule).
		NewFunctionBuilder().
		WithGoFunction(api.GoFunc(Hook), nil, nil).
		Export(ImportName).
		Instantiate(ctx)
	if err != nil {
		return nil, fmt.Errorf("instantiating %s: %w", ImportModule, err)
	}
	return m, nil
}

// Interrupted reports whether err is (or wraps) a stop by the interrupt
// check, and returns its cause.
func Interrupted(err error) (cause error, ok bool) {
	var ie *Error
	if errors.As(err, &ie) {
		return ie.Cause, true
	}
	return nil, false
}
