package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// Resource URIs (v1 is stable: a breaking change needs a new segment).
const (
	AssetURIPrefix     = "machina://v1/assets/"
	WorkOrderURIPrefix = "machina://v1/work-orders/"
	FailureTaxonomyURI = "machina://v1/failure-taxonomy"
	CapabilitiesURI    = "machina://v1/capabilities"
	jsonMIME           = "application/json"
)

func (s *Server) addResources() {
	addRecordTemplate(s, AssetURIPrefix, "asset_id", "machina_asset", "Asset",
		"The full asset record from the primary CMMS.", s.router.GetAsset)
	addRecordTemplate(s, WorkOrderURIPrefix, "wo_id", "machina_work_order", "Work order",
		"The full work order record from the CMMS.", s.router.GetWorkOrder)
	s.mcp.AddResource(mcp.NewResource(FailureTaxonomyURI, "machina_failure_taxonomy",
		mcp.WithResourceTitle("Failure taxonomy"),
		mcp.WithResourceDescription("Built-in failure modes (ISO 14224-aligned): code, name, category, mechanism, detection methods."),
		mcp.WithMIMEType(jsonMIME)),
		func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return jsonContents(req.Params.URI, failureTaxonomy())
		})
	s.mcp.AddResource(mcp.NewResource(CapabilitiesURI, "machina_capabilities",
		mcp.WithResourceTitle("Capabilities"),
		mcp.WithResourceDescription("What Machina can do (byte-identical to `machina describe --json`); carries no configured values."),
		mcp.WithMIMEType(jsonMIME)),
		func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			b, err := DescribeJSON()
			if err != nil {
				return nil, err
			}
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: jsonMIME, Text: string(b)}}, nil
		})
}

// addRecordTemplate registers the resource template prefix{param}: reading
// it fetches one record by the id the URI names (a client-safe error when
// the connector fails).
func addRecordTemplate[T any](s *Server, prefix, param, name, title, desc string, get func(context.Context, string) (T, error)) {
	s.mcp.AddResourceTemplate(mcp.NewResourceTemplate(prefix+"{"+param+"}", name,
		mcp.WithTemplateTitle(title), mcp.WithTemplateDescription(desc), mcp.WithTemplateMIMEType(jsonMIME)),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			id, err := idFrom(req.Params.URI, prefix)
			if err != nil {
				return nil, err
			}
			v, err := get(ctx, id)
			if err != nil {
				return nil, errors.New(publicMessage(err))
			}
			return jsonContents(req.Params.URI, v)
		})
}

func idFrom(uri, prefix string) (string, error) {
	rest, ok := strings.CutPrefix(uri, prefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", fmt.Errorf("resource %q: want %s{id}", uri, prefix)
	}
	id, err := url.PathUnescape(rest)
	if err != nil || strings.TrimSpace(id) == "" {
		return "", fmt.Errorf("resource %q: bad id", uri)
	}
	return id, nil
}

func jsonContents(uri string, v any) ([]mcp.ResourceContents, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", uri, err)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: jsonMIME, Text: string(b)}}, nil
}
