package mcp

import (
	"context"
	"encoding/json"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/sandbox"
)

// Vendor tools (opt-in, [mcp] vendor_tools = true): the reference's raw
// SAP notification create and raw Maximo attribute update. They reach the
// upstream only through a plugin's vendor operation, never as host-side
// HTTP, and are writes like any other: the sandbox, write confirmation,
// token scopes and the tracer apply (the class comes from the ABI table).

// vendorResult is the reference's {status_code, body}.
type vendorResult struct {
	StatusCode int `json:"status_code"`
	Body       any `json:"body"`
}

func vendorAnswer(res router.VendorResult, err error) (any, error) {
	return sandboxedOr(res, err, func(res router.VendorResult) vendorResult {
		var body any
		if len(res.Response.Body) > 0 {
			_ = json.Unmarshal(res.Response.Body, &body)
		}
		return vendorResult{StatusCode: res.Response.StatusCode, Body: body}
	})
}

func sapNotificationTool() tool {
	return tool{Name: "sap_pm_raw_iw38_notification", Op: abi.OpVendorCreateNotification, Vendor: true,
		Output:      writeOutput[vendorResult, sandbox.Vendor](),
		Description: "Vendor tool (SAP PM): create a maintenance notification (IW38) as SAP takes it, returning SAP's status code and body. A write: in sandbox mode nothing is sent.",
		Params: []param{
			{Name: "equipment_id", Type: "string", Required: true, Description: "SAP equipment number"},
			{Name: "notification_type", Type: "string", Default: "M2", Description: "SAP notification type (M1 maintenance request, M2 malfunction report, …)"},
			{Name: "description", Type: "string", Default: "", Description: "Notification text"},
		},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			req := abi.VendorNotificationRequest{EquipmentID: a.str("equipment_id"), NotificationType: a.str("notification_type"), Description: a.str("description")}
			if a.Err() != nil {
				return nil, a.Err()
			}
			return vendorAnswer(r.VendorCreateNotification(ctx, req))
		}}
}

func maximoAttributeTool() tool {
	return tool{Name: "maximo_raw_attribute_update", Op: abi.OpVendorUpdateAttributes, Vendor: true,
		Output:      writeOutput[vendorResult, sandbox.Vendor](),
		Description: "Vendor tool (IBM Maximo): change attributes of one OSLC resource (object structure and resource id), returning Maximo's status code and body. Only object structures the plugin's manifest declares writes to are reachable (cmms-maximo: the work-order structures mxwo and mxapiwodetail). A write: in sandbox mode nothing is sent.",
		Params: []param{
			{Name: "resource_type", Type: "string", Required: true, Description: "Object structure, e.g. mxwo"},
			{Name: "resource_id", Type: "string", Required: true, Description: "Resource id as its href names it"},
			{Name: "attributes", Type: "object", Required: true, Description: "Attributes to set (string values)"},
		},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			req := abi.VendorAttributesRequest{ResourceType: a.str("resource_type"), ResourceID: a.str("resource_id")}
			attrs := a.strMap("attributes")
			if a.Err() != nil {
				return nil, a.Err()
			}
			req.Attributes = make(map[string]any, len(attrs))
			for k, v := range attrs {
				req.Attributes[k] = v
			}
			return vendorAnswer(r.VendorUpdateAttributes(ctx, req))
		}}
}
