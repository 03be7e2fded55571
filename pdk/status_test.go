package pdk_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// The codes follow RFC 9110's meaning of each status (401 missing or wrong
// credentials, 403 refused authorisation, 404 no such resource, 400 a
// request the server will not process, 409 a conflict with the resource's
// state, 422 content it cannot process, 429 from RFC 6585, 502/503/504 a
// gateway or temporary unavailability) mapped to the ABI codes of
// abi/README.md.
func TestStatusError(t *testing.T) {
	cases := []struct {
		status     int
		callerData bool
		code       abi.Code
	}{
		{401, false, abi.CodeUnauthorized},
		{403, false, abi.CodeUnauthorized},
		{404, false, abi.CodeNotFound},
		{400, true, abi.CodeInvalidArgument},
		{400, false, abi.CodeUpstream},
		{409, true, abi.CodeInvalidArgument},
		{422, true, abi.CodeInvalidArgument},
		{422, false, abi.CodeUpstream},
		{410, true, abi.CodeUpstream},
		{429, false, abi.CodeUnavailable},
		{500, false, abi.CodeUpstream},
		{502, false, abi.CodeUnavailable},
		{503, true, abi.CodeUnavailable},
		{504, false, abi.CodeUnavailable},
	}
	for _, c := range cases {
		err := pdk.StatusError(pdk.HTTPStatus{System: "Acme", Request: "GET /assets", Status: c.status, Detail: "upstream says no", CallerData: c.callerData})
		if err.Code != c.code {
			t.Errorf("HTTP %d (callerData %v): code %s, want %s", c.status, c.callerData, err.Code, c.code)
		}
		if !strings.Contains(err.Message, "Acme GET /assets") || !strings.Contains(err.Message, fmt.Sprint(c.status)) {
			t.Errorf("HTTP %d: message %q names neither the request nor the status", c.status, err.Message)
		}
	}
	if err := pdk.StatusError(pdk.HTTPStatus{System: "Acme", Status: 401, Detail: "user admin / pw hunter2 invalid"}); strings.Contains(err.Message, "hunter2") {
		t.Fatalf("a 401 carries the upstream's text: %q", err.Message)
	}
}

// A plugin maps every non-2xx answer through StatusError.
func ExampleStatusError() {
	resp := abi.HTTPResponse{Status: 404}
	if resp.Status/100 != 2 {
		err := pdk.StatusError(pdk.HTTPStatus{System: "Acme CMMS", Request: "GET /api/assets/P-101", Status: resp.Status, CallerData: true})
		fmt.Println(err.Code)
		fmt.Println(err.Message)
	}
	// Output:
	// not_found
	// Acme CMMS GET /api/assets/P-101: not found (HTTP 404)
}
