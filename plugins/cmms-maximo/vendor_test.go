package main

import (
	"encoding/json"
	"path"
	"testing"

	"github.com/machina-go/machina/abi"
)

// vendor_update_attributes sends the reference's raw attribute update to
// one OSLC resource (POST with x-method-override: PATCH) and answers with
// Maximo's status and body, refusals included.
func TestVendorUpdateAttributes(t *testing.T) {
	f := newFixture(t, nil)
	var wo abi.WorkOrderResponse
	if err := f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: "WO1002"}, &wo); err != nil {
		t.Fatalf("seed work order WO1002: %v", err)
	}
	href, _ := wo.WorkOrder.Metadata["href"].(string)
	id := path.Base(href)
	var resp abi.VendorResponse
	if err := f.call(abi.OpVendorUpdateAttributes, abi.VendorAttributesRequest{ResourceType: "MXWO", ResourceID: id,
		Attributes: map[string]any{"description": "Raw vendor update"}}, &resp); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(resp.Body, &body) != nil || body["description"] != "Raw vendor update" {
		t.Fatalf("response %d %s", resp.StatusCode, resp.Body)
	}
	if err := f.call(abi.OpGetWorkOrder, abi.GetWorkOrderRequest{WorkOrderID: wo.WorkOrder.ID}, &wo); err != nil || wo.WorkOrder.Description != "Raw vendor update" {
		t.Fatalf("after update: %+v %v", wo.WorkOrder, err)
	}
	// Maximo's refusal is the answer.
	if err := f.call(abi.OpVendorUpdateAttributes, abi.VendorAttributesRequest{ResourceType: "mxwo", ResourceID: id,
		Attributes: map[string]any{"wonum": "X"}}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 {
		t.Fatalf("refused update: %d %s", resp.StatusCode, resp.Body)
	}
	if err := f.call(abi.OpVendorUpdateAttributes, abi.VendorAttributesRequest{ResourceType: "../x", ResourceID: id, Attributes: map[string]any{"a": "b"}}, &resp); abi.AsError(err).Code != abi.CodeInvalidArgument {
		t.Fatalf("bad object structure: %v", err)
	}
}
