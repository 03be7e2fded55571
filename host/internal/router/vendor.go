package router

import (
	"context"
	"regexp"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/sandbox"
)

// VendorResult is a vendor tool's answer: the upstream's status and body,
// or the sandbox's synthesised response.
type VendorResult struct {
	Response  abi.VendorResponse
	Sandboxed *sandbox.Vendor
}

// SandboxPreview is the sandbox's response when the vendor write was not
// performed, else nil.
func (v VendorResult) SandboxPreview() any {
	if v.Sandboxed == nil {
		return nil
	}
	return v.Sandboxed
}

// HasOperation reports whether a registered plugin implements op (the
// vendor tools are offered only then).
func (r *Router) HasOperation(op abi.OpName) bool { return r.vendorConnector(op) != nil }

func (r *Router) vendorConnector(op abi.OpName) *registry.Connector {
	for _, c := range r.reg.Connectors() {
		if c.Plugin != nil && c.Has(op) {
			return c
		}
	}
	return nil
}

// VendorCreateNotification creates a raw maintenance notification through
// the plugin that implements vendor_create_notification (SAP PM). It is a
// write: the sandbox keeps it from the plugin, and it is traced.
func (r *Router) VendorCreateNotification(ctx context.Context, req abi.VendorNotificationRequest) (VendorResult, error) {
	req.EquipmentID = strings.TrimSpace(req.EquipmentID)
	if err := required("equipment_id", req.EquipmentID); err != nil {
		return VendorResult{}, err
	}
	if req.NotificationType == "" {
		req.NotificationType = "M2"
	}
	return r.vendor(ctx, abi.OpVendorCreateNotification, req.EquipmentID, req, req.Description)
}

// resourceType is an OSLC object structure name.
var resourceType = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// VendorUpdateAttributes changes raw attributes of one record through the
// plugin that implements vendor_update_attributes (Maximo). It is a write:
// the sandbox keeps it from the plugin, and it is traced.
func (r *Router) VendorUpdateAttributes(ctx context.Context, req abi.VendorAttributesRequest) (VendorResult, error) {
	req.ResourceType, req.ResourceID = strings.TrimSpace(req.ResourceType), strings.TrimSpace(req.ResourceID)
	if !resourceType.MatchString(req.ResourceType) {
		return VendorResult{}, abi.InvalidArgument("resource_type must be an object structure name such as mxwo")
	}
	if err := required("resource_id", req.ResourceID); err != nil {
		return VendorResult{}, err
	}
	if len(req.Attributes) == 0 {
		return VendorResult{}, abi.InvalidArgument("attributes must name at least one attribute")
	}
	return r.vendor(ctx, abi.OpVendorUpdateAttributes, "", req, "Attribute update logged.")
}

// vendor runs a vendor operation, or answers for the sandbox.
func (r *Router) vendor(ctx context.Context, op abi.OpName, assetID string, req any, sandboxText string) (VendorResult, error) {
	c := r.vendorConnector(op)
	if c == nil {
		return VendorResult{}, abi.Unavailable("No connector implements %s", op)
	}
	if r.gate.Blocks(op) {
		r.blocked(ctx, c, op, assetID, req)
		v := sandbox.VendorResponse(sandboxText)
		return VendorResult{Sandboxed: &v}, nil
	}
	var resp abi.VendorResponse
	if err := r.call(ctx, c, op, assetID, req, &resp); err != nil {
		return VendorResult{}, r.public(c, op, err, "")
	}
	return VendorResult{Response: resp}, nil
}
