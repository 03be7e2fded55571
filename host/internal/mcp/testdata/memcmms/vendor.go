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
