package main

import (
	"encoding/json"
	"testing"

	"github.com/machina-go/machina/abi"
	sapsim "github.com/machina-go/machina/internal/sim/sap"
)

// vendor_create_notification posts the reference's raw IW38 notification
// (NotificationType, Equipment, NotificationText) through the CSRF-aware
// writer and answers with SAP's status and body, refusals included.
func TestVendorCreateNotification(t *testing.T) {
	f := newFixture(t, sapsim.Options{}, nil)
	before := len(f.sim.Records(sapsim.SetNotification))
	var resp abi.VendorResponse
	if err := f.call(abi.OpVendorCreateNotification, abi.VendorNotificationRequest{EquipmentID: "10000002", Description: "Leak at the flange"}, &resp); err != nil {
		t.Fatal(err)
	}
	var body struct {
		D map[string]any `json:"d"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(resp.Body, &body) != nil || body.D["NotificationType"] != "M2" ||
		body.D["Equipment"] != "10000002" || body.D["NotificationText"] != "Leak at the flange" || body.D["MaintenanceNotification"] == "" {
		t.Fatalf("response %d %s", resp.StatusCode, resp.Body)
	}
	if n := len(f.sim.Records(sapsim.SetNotification)); n != before+1 {
		t.Fatalf("%d notifications, want %d", n, before+1)
	}
	if f.sim.Stats().CSRFFetches == 0 {
		t.Error("the write did not fetch a CSRF token")
	}
	// SAP's own refusal is the answer, as the reference returns it.
	if err := f.call(abi.OpVendorCreateNotification, abi.VendorNotificationRequest{EquipmentID: "NOPE"}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || !json.Valid(resp.Body) {
		t.Fatalf("refused notification: %d %s", resp.StatusCode, resp.Body)
	}
}
