package sandbox

import (
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
)

// Prefix starts the description of every synthesised write response.
const Prefix = "[SANDBOX — no real write performed]"

// MessagePrefix is the description of a blocked message.
const MessagePrefix = "[SANDBOX — no real message sent]"

// SandboxWorkOrderID is the id of a work order "created" in sandbox mode.
const SandboxWorkOrderID = "WO-SANDBOX-0000"

// Gate is the sandbox switch. The zero value is a gate that is off; it is
// safe for concurrent use.
type Gate struct {
	on     atomic.Bool
	logger hclog.Logger
}

// New returns a gate in the given state. A nil logger discards.
func New(enabled bool, logger hclog.Logger) *Gate {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	g := &Gate{logger: logger}
	g.on.Store(enabled)
	return g
}

// Enabled reports whether sandbox mode is on. It is nil-safe (a nil gate is
// off) and has the signature pluginload.Deps.Sandbox expects.
func (g *Gate) Enabled() bool { return g != nil && g.on.Load() }

// Set switches sandbox mode.
func (g *Gate) Set(on bool) { g.on.Store(on) }

// Blocks reports whether op must not reach a connector: sandbox mode is on
// and the host's operation table classifies op as a write (unknown
// operations count as writes).
func (g *Gate) Blocks(op abi.OpName) bool { return g.Enabled() && abi.IsWrite(op) }

// Block logs sandbox_write_blocked for op with the given key/value pairs
// (never secrets) and returns nothing: the caller synthesises the response
// with one of the constructors below.
func (g *Gate) Block(op abi.OpName, kv ...any) {
	if g == nil || g.logger == nil {
		return
	}
	g.logger.Info("sandbox_write_blocked", append([]any{"operation", string(op)}, kv...)...)
}

// Metadata is the metadata object of every synthesised response.
type Metadata struct {
	Sandbox bool `json:"sandbox"`
}

// WorkOrder is the part of a work order every create answer carries, real
// (machina_create_work_order's result) or synthesised.
type WorkOrder struct {
	ID          string            `json:"id"`
	Type        abi.WorkOrderType `json:"type"`
	Priority    abi.Priority      `json:"priority"`
	Status      abi.Status        `json:"status"`
	AssetID     string            `json:"asset_id"`
	Description string            `json:"description"`
}

// Created is the synthesised response of create_work_order.
type Created struct {
	WorkOrder
	Metadata Metadata `json:"metadata"`
}

// Logged is the synthesised response of update, close and cancel.
type Logged struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Metadata    Metadata `json:"metadata"`
}

// Blocked is the synthesised response of send_message.
type Blocked struct {
	Status      string   `json:"status"`
	Description string   `json:"description"`
	Metadata    Metadata `json:"metadata"`
}

// Vendor is the synthesised response of a vendor tool.
type Vendor struct {
	Description string   `json:"description"`
	Metadata    Metadata `json:"metadata"`
}

// CreateResponse is the reference's sandbox response to a work order
// creation.
func CreateResponse(t abi.WorkOrderType, p abi.Priority, assetID, description string) Created {
	return Created{WorkOrder{ID: SandboxWorkOrderID, Type: t, Priority: p, Status: abi.StatusCreated, AssetID: assetID,
		Description: Prefix + " " + description}, Metadata{Sandbox: true}}
}

// UpdateResponse is the reference's sandbox response to an update.
func UpdateResponse(workOrderID string) Logged {
	return Logged{ID: workOrderID, Description: Prefix + " Update request logged.", Metadata: Metadata{Sandbox: true}}
}

// CloseResponse is the reference's sandbox response to a close.
func CloseResponse(workOrderID string) Logged {
	return Logged{ID: workOrderID, Description: Prefix + " Close request logged.", Metadata: Metadata{Sandbox: true}}
}

// CancelResponse is the reference's sandbox response to a cancellation.
func CancelResponse(workOrderID, reason string) Logged {
	return Logged{ID: workOrderID, Description: Prefix + " Cancel request logged. Reason: " + reason, Metadata: Metadata{Sandbox: true}}
}

// VendorResponse is the reference's sandbox answer of a vendor tool:
// what would have been written, logged and not sent.
func VendorResponse(what string) Vendor {
	return Vendor{Description: Prefix + " " + what, Metadata: Metadata{Sandbox: true}}
}

// SendResponse is the reference's sandbox response to send_message.
func SendResponse() Blocked {
	return Blocked{Status: "blocked", Description: MessagePrefix, Metadata: Metadata{Sandbox: true}}
}
