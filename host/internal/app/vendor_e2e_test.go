package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/sim/sap"
)

// vendorTools enables the opt-in vendor tools in the demo configuration.
var vendorTools = map[string]string{"mcp": "vendor_tools = true"}

// maximoRestID is the resource id Maximo's OSLC API puts in a record's
// href: "_" and the base64url of its key values joined by "/".
func maximoRestID(keys ...any) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprint(k)
	}
	return "_" + base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "/")))
}

// TestVendorToolsThroughTheRealPlugins: with [mcp] vendor_tools = true the
// raw vendor tools reach IBM Maximo and SAP PM through the cmms-maximo and
// cmms-sap plugins — their manifests' declared requests, their grants,
// the host's HTTP gate and credential profiles — and are traced as those
// plugins' vendor operations.
func TestVendorToolsThroughTheRealPlugins(t *testing.T) {
	s := newStackWith(t, false, "", vendorTools)
	wo := s.env.Maximo.Records("mxwo")[0]
	mxWrites := s.env.Maximo.Stats().Writes
	text, isErr := callTool(t, s, "maximo_raw_attribute_update", map[string]any{"resource_type": "mxwo",
		"resource_id": maximoRestID(wo["wonum"], wo["siteid"]), "attributes": map[string]any{"description": "Raw vendor update"}})
	if isErr || !strings.Contains(text, `"status_code":200`) || !strings.Contains(text, "Raw vendor update") {
		t.Fatalf("maximo_raw_attribute_update: %s", text)
	}
	if got, _ := s.env.Maximo.Record("mxwo", fmt.Sprint(wo["wonum"])); got["description"] != "Raw vendor update" || s.env.Maximo.Stats().Writes != mxWrites+1 {
		t.Fatalf("Maximo after the update: %v (writes %d → %d)", got["description"], mxWrites, s.env.Maximo.Stats().Writes)
	}

	equipment := s.env.SAP.Records(sap.SetEquipment)[0]["Equipment"]
	before := len(s.env.SAP.Records(sap.SetNotification))
	text, isErr = callTool(t, s, "sap_pm_raw_iw38_notification", map[string]any{"equipment_id": equipment, "description": "Leak at the flange"})
	if isErr || !strings.Contains(text, `"status_code":201`) || !strings.Contains(text, `"NotificationText":"Leak at the flange"`) {
		t.Fatalf("sap_pm_raw_iw38_notification: %s (SAP %+v)", text, s.env.SAP.Stats())
	}
	if n := len(s.env.SAP.Records(sap.SetNotification)); n != before+1 {
		t.Fatalf("SAP notifications %d → %d", before, n)
	}

	s.app.Tracer.Close(context.Background())
	want := map[string]string{"vendor_update_attributes": "cmms-maximo", "vendor_create_notification": "cmms-sap"}
	for _, e := range readTraces(t, filepath.Join(s.dir, "traces")) {
		if e.Action == trace.ActionPluginCall && e.Success && want[e.Operation] == e.Plugin {
			delete(want, e.Operation)
		}
	}
	if len(want) > 0 {
		t.Fatalf("no successful plugin_call trace of %v", want)
	}
}
