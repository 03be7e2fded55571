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
			if err := json.Unmarshal(input, &req); err != nil {
				return nil, abi.InvalidArgument("decoding request: %v", err)
			}
		}
		return f(ctx, req)
	}
}

// NewCMMS builds a Runner for a CMMS implementation. Operations are enabled
// by the optional interfaces impl implements.
func NewCMMS(info Info, impl CMMS) *Runner {
	r := &Runner{info: info, kind: abi.KindCMMS, init: impl.Init, handlers: map[abi.OpName]handler{}}
	r.selector, _ = impl.(OperationSelector)
	r.handlers[abi.OpHealth] = handle(func(ctx context.Context, _ abi.HealthRequest) (abi.HealthResponse, error) {
		return impl.Health(ctx)
	})
	if v, ok := impl.(AssetReader); ok {
		r.handlers[abi.OpListAssets] = handle(v.ListAssets)
		r.handlers[abi.OpGetAsset] = handle(v.GetAsset)
	}
	if v, ok := impl.(WorkOrderLister); ok {
		r.handlers[abi.OpListWorkOrders] = handle(v.ListWorkOrders)
	}
	if v, ok := impl.(WorkOrderGetter); ok {
		r.handlers[abi.OpGetWorkOrder] = handle(v.GetWorkOrder)
	}
	if v, ok := impl.(WorkOrderCreator); ok {
		r.handlers[abi.OpCreateWorkOrder] = handle(v.CreateWorkOrder)
	}
	if v, ok := impl.(WorkOrderUpdater); ok {
		r.handlers[abi.OpUpdateWorkOrder] = handle(v.UpdateWorkOrder)
	}
	if v, ok := impl.(WorkOrderCloser); ok {
		r.handlers[abi.OpCloseWorkOrder] = handle(v.CloseWorkOrder)
	}
	if v, ok := impl.(WorkOrderCanceller); ok {
		r.handlers[abi.OpCancelWorkOrder] = handle(v.CancelWorkOrder)
	}
	if v, ok := impl.(HistoryReader); ok {
		r.handlers[abi.OpMaintenanceHistory] = handle(v.MaintenanceHistory)
	}
	if v, ok := impl.(SparePartsReader); ok {
		r.handlers[abi.OpListSpareParts] = handle(v.ListSpareParts)
	}
	if v, ok := impl.(PlanReader); ok {
		r.handlers[abi.OpGetMaintenancePlan] = handle(v.GetMaintenancePlan)
	}
	return r
}

// NewMessaging builds a Runner for a messaging implementation.
func NewMessaging(info Info, impl Messaging) *Runner {
	r := &Runner{info: info, kind: abi.KindMessaging, init: impl.Init, handlers: map[abi.OpName]handler{}}
	r.handlers[abi.OpHealth] = handle(func(ctx context.Context, _ abi.HealthRequest) (abi.HealthResponse, error) {
		return impl.Health(ctx)
	})
	r.handlers[abi.OpSend] = handle(impl.Send)
	r.handlers[abi.OpPoll] = handle(impl.Poll)
	return r
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
// output envelope ({"result":…} or {"error":…}). It never panics on bad
// input; a panic inside the implementation is left to crash the instance,
// which the host discards.
func (r *Runner) Invoke(ctx context.Context, export string, input []byte) []byte {
	ctx = withNotices(ctx)
	var (
		res any
		err error
	)
	switch export {
	case wire.ExportDescribe:
		res = r.describe()
	case wire.ExportInit:
		var req wire.InitRequest
		if len(input) > 0 {
			if e := json.Unmarshal(input, &req); e != nil {
				err = abi.InvalidArgument("decoding init config: %v", e)
				break
			}
		}
		if err = r.init(ctx, Config{values: req.Config}); err == nil {
			res = r.initResponse()
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
	return envelope(res, err)
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

func envelope(res any, err error) []byte {
	if err != nil {
		out, _ := json.Marshal(wire.Envelope{Error: abi.AsError(err)})
		return out
	}
	b, merr := json.Marshal(res)
	if merr != nil {
		out, _ := json.Marshal(wire.Envelope{Error: abi.Internal("encoding result: %v", merr)})
		return out
	}
	// {"result":<b>} built by hand: marshalling a RawMessage would re-scan b.
	out := make([]byte, 0, len(resultPrefix)+len(b)+1)
	out = append(out, resultPrefix...)
	out = append(out, b...)
	return append(out, '}')
}

// resultPrefix opens a successful envelope.
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

// invokeRegistered runs an export on the registered plugin.
func invokeRegistered(ctx context.Context, export string, input []byte) []byte {
	if registered == nil {
		return envelope(nil, abi.Internal("no plugin registered: call pdk.RegisterCMMS or pdk.RegisterMessaging from init"))
	}
	return registered.Invoke(ctx, export, input)
}
