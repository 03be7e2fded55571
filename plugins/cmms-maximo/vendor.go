package main

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/machina-go/machina/abi"
)

// osName is an OSLC object structure name.
var osName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// UpdateAttributes serves vendor_update_attributes, the reference's raw
// attribute update behind the opt-in vendor tool maximo_raw_attribute_update:
// POST <base>/maximo/oslc/os/<resource_type>/<resource_id> with
// x-method-override: PATCH (Maximo's documented way to update a resource)
// and the attributes as the body. Like the reference it answers with
// Maximo's status and body whatever they are; refused credentials and
// transport failures are errors. The host classifies it as a write.
func (m *maximo) UpdateAttributes(ctx context.Context, req abi.VendorAttributesRequest) (abi.VendorResponse, error) {
	rt, id := strings.TrimSpace(req.ResourceType), strings.TrimSpace(req.ResourceID)
	if !osName.MatchString(rt) {
		return abi.VendorResponse{}, abi.InvalidArgument("resource_type must be an object structure name such as mxwo")
	}
	if id == "" || id == "." || id == ".." {
		return abi.VendorResponse{}, abi.InvalidArgument("resource_id is required")
	}
	if len(req.Attributes) == 0 {
		return abi.VendorResponse{}, abi.InvalidArgument("attributes must name at least one attribute")
	}
	body, err := json.Marshal(req.Attributes)
	if err != nil {
		return abi.VendorResponse{}, abi.InvalidArgument("attributes: %v", err)
	}
	u := m.base + "/maximo/oslc/os/" + url.PathEscape(strings.ToLower(rt)) + "/" + url.PathEscape(id) + m.leanQuery()
	resp, err := m.send(ctx, request{method: "POST", url: u, headers: writeHeaders(true), body: body})
	return vendorAnswer(resp, err)
}

// vendorAnswer is the upstream's status and body; credentials refused and
// requests that never got an answer stay errors.
func vendorAnswer(resp abi.HTTPResponse, err error) (abi.VendorResponse, error) {
	if err != nil && (resp.Status == 0 || abi.AsError(err).Code == abi.CodeUnauthorized) {
		return abi.VendorResponse{}, err
	}
	return abi.VendorResponse{StatusCode: resp.Status, Body: abi.VendorBody(resp.Body)}, nil
}
