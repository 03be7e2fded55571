package conformance

import (
	"context"
	"sort"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/internal/sim/simcorpus"
)

// Fault is an upstream failure a check asks the simulator to inject.
type Fault int

// Faults every simulator supports.
const (
	// FaultNone clears faults.
	FaultNone Fault = iota
	// FaultUnavailable answers 503 to every request.
	FaultUnavailable
	// FaultRateLimitOnce answers the next request with 429 and
	// Retry-After: 1.
	FaultRateLimitOnce
)

// Facts are what a simulator's seeded data says the plugin must return:
// counts, ids and the values a plugin passes through unchanged (names,
// descriptions, people, dates). Zero values skip the comparison.
//
// Facts never state a vendor→domain code mapping (status, priority, type,
// criticality, asset type): the kit judges mappings only by the corpus
// scenarios (CorpusServer), whose expectations come from the vendor's
// published material, so that no mapping table exists twice. Those fields
// of Asset and WorkOrder are ignored.
type Facts struct {
	// PageSize is the page size the simulator's plugin config asks for.
	PageSize int
	// AssetCount is the number of assets.
	AssetCount int
	// Asset is the expected mapping of one known asset.
	Asset abi.Asset
	// AssetSpareParts are the SKUs of the spare parts of Asset.
	AssetSpareParts []string
	// AssetPlanCount is the number of maintenance plans of Asset.
	AssetPlanCount int
	// HistoryCount is the number of completed or closed work orders of Asset.
	HistoryCount int
	// MissingAssetID names no asset.
	MissingAssetID string
	// HostileIDs are ids with quotes and operators of the upstream's query
	// language; each must come back as not_found (or invalid_argument).
	HostileIDs []string
	// WorkOrderCount is the number of work orders before any write.
	WorkOrderCount int
	// WorkOrder is the expected mapping of one known work order.
	WorkOrder abi.WorkOrder
	// MissingWorkOrderID names no work order.
	MissingWorkOrderID string
	// CompletedWorkOrderID is a completed work order (close_work_order).
	CompletedWorkOrderID string
	// ClosedWorkOrderID is a closed work order (refused transitions).
	ClosedWorkOrderID string
	// SparePartCount is the number of spare parts.
	SparePartCount int
	// UnknownStockSKUs are spare parts whose stock the upstream does not
	// report: the plugin must return it as null, not 0.
	UnknownStockSKUs []string
	// UnidentifiedAssets is the number of records without an identifier
	// an asset listing also returns (to be skipped and counted).
	UnidentifiedAssets int
	// SKU is one known spare part.
	SKU string
	// PlanCount is the number of maintenance plans.
	PlanCount int
	// CreateType and CreatePriority are what create_work_order sends
	// (default predictive, high): values the upstream can represent.
	CreateType     abi.WorkOrderType
	CreatePriority abi.Priority
	// RefusedWorkOrderID is a work order in status RefusedFrom from which
	// in_progress is not a valid transition (default ClosedWorkOrderID,
	// closed).
	RefusedWorkOrderID string
	RefusedFrom        abi.Status
	// PartsByAssetUnsupported: the upstream does not relate spare parts to
	// assets, so list_spare_parts by asset must fail with invalid_argument
	// rather than return parts of other assets.
	PartsByAssetUnsupported bool
}

// Simulator is a running upstream stand-in on loopback.
type Simulator interface {
	// Name is the simulator's name (--sim).
	Name() string
	// BaseURL is its origin, e.g. http://127.0.0.1:41234.
	BaseURL() string
	// PluginConfig is the plugin configuration that points at it.
	PluginConfig() map[string]any
	// Auth returns the auth profile the host binds to the origin and the
	// secret values it names; wrong returns values the simulator refuses.
	Auth() (profile config.Auth, secrets map[string]string, wrong map[string]string)
	// Facts describes the seeded data.
	Facts() Facts
	// SetFault injects a failure.
	SetFault(Fault)
	// Writes counts write requests received (applied or not).
	Writes() int64
	// Requests counts API requests received.
	Requests() int64
	// Close stops it.
	Close() error
}

// SimOptions configure a simulator started by the kit.
type SimOptions struct {
	// Auth selects the authentication mode (simulator specific; "" is its
	// default).
	Auth string
	// Shape names the response shape to serve (see Shaped; "" is the
	// default shape).
	Shape string
	// Preset selects the dialect of the rest simulator (upkeep,
	// maintainx), matching the cmms-rest preset under test.
	Preset string
	// Logger receives the simulator's logs.
	Logger hclog.Logger
}

// Shape is a response shape a simulator can serve (lean or namespaced
// JSON, relative or proxied links, protocol versions, gateway behaviour):
// the kit runs the payload-dependent checks in every shape.
type Shape struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Config is plugin configuration the shape needs, laid over
	// PluginConfig.
	Config map[string]any `json:"-"`
}

// Shaped is implemented by simulators that serve several response shapes;
// the first is the default. The Factory starts a simulator in the shape
// named by SimOptions.Shape.
type Shaped interface {
	Shapes() []Shape
}

// CorpusServer is implemented by simulators that can serve a vendor payload
// corpus: the kit runs each scenario through the plugin and compares the
// response with the corpus's expected values.
type CorpusServer interface {
	// Scenarios are the corpus scenarios.
	Scenarios() ([]simcorpus.Scenario, error)
	// ServeScenario makes the simulator answer with the scenario's
	// payloads (nil: back to its seeded data).
	ServeScenario(sc *simcorpus.Scenario) error
}

// Factory starts a simulator.
type Factory func(ctx context.Context, opts SimOptions) (Simulator, error)

// Simulators returns the simulators the kit knows, by name. To add one,
// add an entry here and an adapter file next to maximo.go.
func Simulators() map[string]Factory {
	return map[string]Factory{
		"maximo": StartMaximo,
		"sap":    StartSAP,
		"rest":   StartREST,
	}
}

// SimulatorNames lists Simulators() sorted.
func SimulatorNames() []string {
	var out []string
	for k := range Simulators() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
