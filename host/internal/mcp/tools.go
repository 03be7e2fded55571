package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/mark3labs/mcp-go/mcp"
)

// tool is one machina_* tool.
type tool struct {
	Name        string
	Capability  abi.Capability
	Op          abi.OpName // ABI operation for annotations; "" for native reads
	Description string
	Params      []param
	// Output is the result's schema (outputSchema) and structuredContent.
	Output output
	// Vendor marks an opt-in vendor tool ([mcp] vendor_tools): it serves
	// no capability and is registered only when enabled and a plugin
	// implements Op.
	Vendor bool
	Run    runFunc
}

// runFunc runs a tool over its decoded arguments.
type runFunc func(ctx context.Context, r *router.Router, a *args) (any, error)

// withStr is the Run of a tool whose one argument is the string parameter
// name: it reads it (an argument error stops the call before any
// connector is asked) and hands it to fn.
func withStr[T any](name string, fn func(ctx context.Context, r *router.Router, s string) (T, error)) runFunc {
	return func(ctx context.Context, r *router.Router, a *args) (any, error) {
		s := a.str(name)
		if a.Err() != nil {
			return nil, a.Err()
		}
		v, err := fn(ctx, r, s)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}

// tools is the reference's CAPABILITY_TO_TOOL table, in its order: the
// registration order is this order, filtered by the capabilities present.
// Each tool is built by its own function in the tool_<group>.go files
// (assets, workorders, maintenance, natives, messaging).
func tools() []tool {
	return []tool{
		listAssetsTool(),
		getAssetTool(),
		listWorkOrdersTool(),
		getWorkOrderTool(),
		createWorkOrderTool(),
		updateWorkOrderTool(),
		closeWorkOrderTool(),
		cancelWorkOrderTool(),
		listSparePartsTool(),
		maintenancePlanTool(),
		maintenanceHistoryTool(),
		searchManualsTool(),
		sensorReadingTool(),
		alarmsTool(),
		readSensorNodeTool(),
		readSensorNodesTool(),
		sendMessageTool(),
		sapNotificationTool(),
		maximoAttributeTool(),
	}
}

// class is the tool's read/write class from the ABI table (natives read).
func (t tool) class() abi.Class {
	if t.Op == "" {
		return abi.ClassRead
	}
	if abi.IsWrite(t.Op) {
		return abi.ClassWrite
	}
	return abi.ClassRead
}

func (t tool) annotations() (readOnly, destructive, idempotent, openWorld bool) {
	if t.Op == "" {
		return true, false, true, false
	}
	op, _ := abi.LookupOperation(t.Op)
	return op.Class == abi.ClassRead, op.Destructive, op.Idempotent, true
}

func (t tool) mcpTool() mcp.Tool {
	ro, de, id, ow := t.annotations()
	opts := []mcp.ToolOption{
		mcp.WithDescription(t.Description),
		mcp.WithToolAnnotation(mcp.ToolAnnotation{
			Title:        strings.ReplaceAll(strings.TrimPrefix(t.Name, "machina_"), "_", " "),
			ReadOnlyHint: &ro, DestructiveHint: &de, IdempotentHint: &id, OpenWorldHint: &ow,
		}),
	}
	for _, p := range t.Params {
		po := []mcp.PropertyOption{mcp.Description(p.Description)}
		if p.Required {
			po = append(po, mcp.Required())
		}
		switch p.Type {
		case "string":
			if d, ok := p.Default.(string); ok {
				po = append(po, mcp.DefaultString(d))
			}
			if len(p.Enum) > 0 {
				po = append(po, mcp.Enum(p.Enum...))
			}
			opts = append(opts, mcp.WithString(p.Name, po...))
		case "integer":
			if d, ok := p.Default.(int); ok {
				po = append(po, mcp.DefaultNumber(d))
			}
			opts = append(opts, mcp.WithInteger(p.Name, po...))
		case "object":
			po = append(po, mcp.AdditionalProperties(map[string]any{"type": "string"}))
			opts = append(opts, mcp.WithObject(p.Name, po...))
		case "array":
			po = append(po, mcp.WithStringItems())
			opts = append(opts, mcp.WithArray(p.Name, po...))
		}
	}
	if t.Output.schema != nil {
		opts = append(opts, mcp.WithRawOutputSchema(t.Output.schema))
	}
	return mcp.NewTool(t.Name, opts...)
}

// call decodes a call's arguments against the tool's parameters and runs it.
func (t tool) call(ctx context.Context, r *router.Router, vals map[string]any) (any, error) {
	return t.Run(ctx, r, newArgs(t.Params, vals))
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// opt is nil for "" (a JSON null in the reference's result shapes).
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// mapAll converts every element (keeping a non-nil empty slice, a JSON []).
func mapAll[S, T any](in []S, f func(S) T) []T {
	out := make([]T, 0, len(in))
	for _, x := range in {
		out = append(out, f(x))
	}
	return out
}

// assetList is the Run of a list tool whose one argument is asset_id:
// fetch's records of the asset (blank: of every asset or none, as the tool
// declares it), each converted by conv. fetch is a router method
// expression, e.g. (*router.Router).MaintenancePlans.
func assetList[S, T any](fetch func(*router.Router, context.Context, string) ([]S, error), conv func(S) T) runFunc {
	return withStr("asset_id", func(ctx context.Context, r *router.Router, id string) ([]T, error) {
		xs, err := fetch(r, ctx, id)
		return mapAll(xs, conv), err
	})
}

// sandboxable is a write's outcome as the router reports it
// (router.WriteResult, SendResult, VendorResult).
type sandboxable interface {
	SandboxPreview() any
}

// sandboxedOr is a write's result: the sandbox preview when the write was
// not performed, else shape(result).
func sandboxedOr[R sandboxable, T any](res R, err error, shape func(R) T) (any, error) {
	if err != nil {
		return nil, err
	}
	if p := res.SandboxPreview(); p != nil {
		return p, nil
	}
	return shape(res), nil
}

// marshal encodes a tool result.
func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding result: %w", err)
	}
	return string(b), nil
}
