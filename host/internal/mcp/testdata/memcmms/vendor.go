package main

import (
	"context"
	"encoding/json"

	"github.com/machina-go/machina/abi"
)

// The vendor operations count as writes (KV "writes") before anything
// else and echo what they were asked, as an upstream's {status_code, body}.

func (m *mem) CreateNotification(ctx context.Context, req abi.VendorNotificationRequest) (abi.VendorResponse, error) {
	if err := recordWrite(ctx); err != nil {
		return abi.VendorResponse{}, err
	}
	b, _ := json.Marshal(map[string]any{"d": map[string]any{"MaintenanceNotification": "10000901", "Equipment": req.EquipmentID,
		"NotificationType": req.NotificationType, "NotificationText": req.Description}})
	return abi.VendorResponse{StatusCode: 201, Body: b}, nil
}

func (m *mem) UpdateAttributes(ctx context.Context, req abi.VendorAttributesRequest) (abi.VendorResponse, error) {
	if err := recordWrite(ctx); err != nil {
		return abi.VendorResponse{}, err
	}
	b, _ := json.Marshal(map[string]any{"href": req.ResourceType + "/" + req.ResourceID, "attributes": req.Attributes})
	return abi.VendorResponse{StatusCode: 200, Body: b}, nil
}

// EnabledOperations serves every implemented operation, the vendor ones
// only unless vendor_ops = "off" (the PDK ignores the unimplemented).
func (m *mem) EnabledOperations() []abi.OpName {
	var out []abi.OpName
	for _, op := range abi.Operations() {
		if m.noVendor && (op.Name == abi.OpVendorCreateNotification || op.Name == abi.OpVendorUpdateAttributes) {
			continue
		}
		out = append(out, op.Name)
	}
	return out
}
