package pdk

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// Info names a plugin. Read it from the plugin's plugin.toml with
// ParseInfo (see there), so the name and version are written once; the
// host refuses a module whose descriptor and manifest disagree.
type Info struct {
	Name    string
	Version string
}

// Runner dispatches operation calls to a plugin implementation. The wasm
// exports use the registered Runner; tests build one with NewCMMS or
// NewMessaging and call Invoke directly.
type Runner struct {
	info     Info
	kind     abi.Kind
	init     func(context.Context, Config) error
	handlers map[abi.OpName]handler
	// selector, when the implementation has one, narrows the served
	// operations after Init; enabled is its answer (nil: all).
	selector OperationSelector
	enabled  map[abi.OpName]bool
}

type handler func(ctx context.Context, input []byte) (any, error)

// handle adapts a typed operation method to a JSON handler.
func handle[Req, Resp any](f func(context.Context, Req) (Resp, error)) handler {
	return func(ctx context.Context, input []byte) (any, error) {
		var req Req
		if len(input) > 0 {
			if err := decodeRequest(input, &req); err != nil {
				return nil, abi.InvalidArgument("decoding request: %v", err)
			}
		}
		resp, err := f(ctx, req)
		return &resp, err
	}
}

// NewCMMS builds a Runner for a CMMS implementation. Operations are enabled
// by the optional interfaces impl implements (see OperationInterfaces).
func NewCMMS(info Info, impl CMMS) *Runner { return newRunner(info, abi.KindCMMS, impl.Init, impl) }

// NewMessaging builds a Runner for a messaging implementation.
func NewMessaging(info Info, impl Messaging) *Runner {
	return newRunner(info, abi.KindMessaging, impl.Init, impl)
}

// Operations returns the operations the plugin implements, sorted: exactly
// what its descriptor lists and what the host may call.
func (r *Runner) Operations() []abi.OpName {
	ops := make([]abi.OpName, 0, len(r.handlers))
	for n := range r.handlers {
		ops = append(ops, n)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i] < ops[j] })
	return ops
}

// describe returns the plugin's descriptor (the machina_describe export).
func (r *Runner) describe() wire.Descriptor {
	ops := r.Operations()
	return wire.Descriptor{
		ABI:          abi.Version,
		Name:         r.info.Name,
		Version:      r.info.Version,
		Kind:         r.kind,
		Operations:   ops,
		Capabilities: abi.CapabilitiesOf(ops),
	}
}

// Invoke runs one export by name with its JSON input and returns the JSON
// output envelope ({"result":…} or {"error":…}) of ABI 1.0. It never panics
// on bad input; a panic inside the implementation is left to crash the
// instance, which the host discards.
func (r *Runner) Invoke(ctx context.Context, export string, input []byte) []byte {
	out, failed := r.run(ctx, export, input)
	if failed {
		return append(append([]byte(`{"error":`), out...), '}')
	}
	return append(append([]byte(resultPrefix), out...), '}')
}

// Call runs one export by name with its JSON input, as the host does with
// ABI 1.3: it returns the result JSON, or the error the plugin reported as
// an *abi.Error.
func (r *Runner) Call(ctx context.Context, export string, input []byte) ([]byte, error) {
	out, failed := r.run(ctx, export, input)
	if failed {
		var e abi.Error
		if err := json.Unmarshal(out, &e); err != nil {
			return nil, abi.Internal("malformed error object %q", out)
		}
		return nil, &e
	}
	return out, nil
}

// run runs one export and returns its result JSON, or (failed) the JSON of
// the error it reports.
func (r *Runner) run(ctx context.Context, export string, input []byte) (out []byte, failed bool) {
	ctx = withNotices(ctx)
	var (
		res any
		err error
	)
	switch export {
	case wire.ExportDescribe:
		d := r.describe()
		res = &d
	case wire.ExportInit:
		var req wire.InitRequest
		if len(input) > 0 {
			if e := decodeRequest(input, &req); e != nil {
				err = abi.InvalidArgument("decoding init config: %v", e)
				break
			}
		}
		if err = r.init(ctx, Config{values: req.Config}); err == nil {
			ir := r.initResponse()
			res = &ir
		}
	default:
		h, ok := r.handlers[abi.OpName(export)]
		if !ok {
			err = abi.Errorf(abi.CodeInvalidArgument, "operation %q is not implemented by plugin %s", export, r.info.Name)
			break
		}
		if r.enabled != nil && !r.enabled[abi.OpName(export)] {
			err = abi.Errorf(abi.CodeInvalidArgument, "operation %q is not configured in plugin %s", export, r.info.Name)
			break
		}
		res, err = h(ctx, input)
	}
	if err == nil {
		b, merr := encodeResult(res)
		if merr == nil {
			return b, false
		}
		err = abi.Internal("encoding result: %v", merr)
	}
	b, _ := encodeResult(abi.AsError(err))
	return b, true
}

// initResponse asks the selector, when there is one, which operations the
// configuration enables (health always is), remembers them and reports them
// to the host (ABI 1.2).
func (r *Runner) initResponse() wire.InitResponse {
	if r.selector == nil {
		return wire.InitResponse{}
	}
	r.enabled = map[abi.OpName]bool{abi.OpHealth: true}
	for _, op := range r.selector.EnabledOperations() {
		if _, implemented := r.handlers[op]; implemented {
			r.enabled[op] = true
		}
	}
	ops := make([]abi.OpName, 0, len(r.enabled))
	for _, op := range r.Operations() {
		if r.enabled[op] {
			ops = append(ops, op)
		}
	}
	return wire.InitResponse{Operations: ops}
}

// resultPrefix opens a successful ABI 1.0 envelope.
const resultPrefix = `{"result":`

// registered is the plugin registered from init (see the package doc).
var registered *Runner

// RegisterCMMS registers the plugin's CMMS implementation. Call it once from
// init in package main.
func RegisterCMMS(info Info, impl CMMS) { register(NewCMMS(info, impl)) }

// RegisterMessaging registers the plugin's messaging implementation. Call it
// once from init in package main.
func RegisterMessaging(info Info, impl Messaging) { register(NewMessaging(info, impl)) }

func register(r *Runner) {
	if registered != nil {
		panic(fmt.Sprintf("pdk: plugin %s registered twice", r.info.Name))
	}
	registered = r
}

// runRegistered runs an export on the registered plugin.
func runRegistered(ctx context.Context, export string, input []byte) (out []byte, failed bool) {
	if registered == nil {
		b, _ := encodeResult(abi.Internal("no plugin registered: call pdk.RegisterCMMS or pdk.RegisterMessaging from init"))
		return b, true
	}
	return registered.run(ctx, export, input)
}
