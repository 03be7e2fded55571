package main

import (
	"context"
	_ "embed"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// manifest is plugin.toml, the one place the plugin's name and version
// are written.
//
//go:embed plugin.toml
var manifest string

// info is the plugin's name and version, read from the manifest.
func info() pdk.Info { return pdk.MustParseInfo(manifest) }

func init() { pdk.RegisterCMMS(info(), &plugin{}) }

// The operations it can serve (EnabledOperations narrows them to what the
// configuration defines): a misspelled or mistyped method fails the build
// here instead of silently dropping an operation.
var (
	_ pdk.CompleteCMMS      = (*plugin)(nil)
	_ pdk.OperationSelector = (*plugin)(nil)
)

func main() {}

// plugin is a CMMS connector driven by its configuration (see Config).
type plugin struct {
	cfg                              Config
	assets, workOrders, parts, plans fields
}

// Init loads the configuration (merged over its preset) and compiles the
// field mappings.
func (p *plugin) Init(_ context.Context, c pdk.Config) error {
	var raw map[string]any
	if err := c.Decode(&raw); err != nil {
		return abi.InvalidArgument("%v", err)
	}
	cfg, err := loadConfig(raw)
	if err != nil {
		return abi.InvalidArgument("cmms-rest: %v", err)
	}
	p.cfg = cfg
	if cfg.Assets != nil {
		p.assets = compileFields(cfg.Assets.Fields, assetSchema)
	}
	if w := cfg.WorkOrders; w != nil {
		p.workOrders = compileFields(w.Fields, workOrderSchema)
		if st := p.workOrders["status"]; st != nil && w.AssignedWhenAssignee {
			if _, ok := st.write[string(abi.StatusAssigned)]; !ok {
				if c, ok := st.write[string(abi.StatusCreated)]; ok {
					st.write[string(abi.StatusAssigned)] = c // assigned is "created with an assignee"
				}
			}
		}
	}
	if cfg.SpareParts != nil {
		p.parts = compileFields(cfg.SpareParts.Fields, sparePartSchema)
	}
	if cfg.Plans != nil {
		p.plans = compileFields(cfg.Plans.Fields, planSchema)
	}
	return nil
}

// Health sends the configured health request; any 2xx is healthy.
func (p *plugin) Health(ctx context.Context) (abi.HealthResponse, error) {
	if _, err := p.call(ctx, p.cfg.Health, p.vals(nil, nil, false), nil); err != nil {
		e := abi.AsError(err)
		status := abi.HealthUnhealthy
		if e.Code == abi.CodeUnavailable {
			status = abi.HealthDegraded
		}
		return abi.HealthResponse{Status: status, Message: e.Message}, nil
	}
	return abi.HealthResponse{Status: abi.HealthHealthy, Message: p.cfg.Vendor + " reachable"}, nil
}

// vals builds the values of one request.
func (p *plugin) vals(fs fields, v map[string]string, strict bool) values {
	return values{v: v, fields: fs, strict: strict, vendor: p.cfg.Vendor}
}

// notConfigured is the error of an operation the configuration lacks (the
// host does not call it: EnabledOperations leaves it out).
func notConfigured(what string) error {
	return abi.InvalidArgument("cmms-rest: %s is not configured", what)
}

// item returns the record at r.Item in a response.
func item(r *Request, rep reply) (any, error) {
	v, ok := mustPath(r.Item).get(rep.body)
	if !ok {
		return nil, abi.Upstream("%s: no %s in the response", redact(rep.url), orDoc(r.Item))
	}
	return v, nil
}

// skipped reports records left out for lack of an id.
func skipped(ctx context.Context, n int, field string) {
	if n > 0 {
		pdk.Notify(ctx, abi.Notice{Kind: abi.NoticeSkipped, Field: field, Code: "empty", Count: n})
	}
}
