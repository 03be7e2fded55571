package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/sensor"
	"github.com/machina-go/machina/internal/wire"
)

// Kind is the kind of component behind a connector.
type Kind string

// Connector kinds.
const (
	KindCMMS      Kind = "cmms"
	KindMessaging Kind = "messaging"
	KindDocuments Kind = "documents"
	KindSensors   Kind = "sensors"
)

// OpCaller is a plugin connector: *plugin.Plugin implements it.
type OpCaller interface {
	// CallOp runs one operation; plugin errors are *abi.Error.
	CallOp(ctx context.Context, op abi.OpName, req, resp any) error
	// Descriptor is what the plugin reported at load.
	Descriptor() wire.Descriptor
	// SHA256 is the module's hash (for traces).
	SHA256() string
}

// DocumentSearcher is the document store as machina_search_manuals needs
// it. The result is the JSON-serialisable list of hits, already sanitised
// (source through SafeSource, content through SafeText).
type DocumentSearcher interface {
	SearchManuals(ctx context.Context, query string, topK int, assetID string, filters map[string]string) (any, error)
}

// SensorSource is live plant data (OPC-UA, MQTT) as
// machina_get_sensor_reading and machina_get_alarms need it.
// *opcua.Manager and *mqtt.Manager implement it.
type SensorSource interface {
	// LatestReadings returns the readings of the asset's configured
	// points; an error wrapping sensor.ErrUnknownAsset means the source has
	// no point for that asset.
	LatestReadings(ctx context.Context, assetID string) (*sensor.AssetReadings, error)
	// Alarms returns the active alarms of assetID ("" means all).
	Alarms(assetID string) []abi.Alarm
}

// AlarmWatcher is a SensorSource that pushes alarm changes: every alarm
// raised, and every alarm cleared (Cleared set). Cancel stops the stream
// and closes the channel; a full buffer drops events for that watcher.
type AlarmWatcher interface {
	WatchAlarms(buffer int) (alarms <-chan abi.Alarm, cancel func())
}

// AliasReader is a SensorSource whose points have names an operator
// configured (OPC-UA node aliases, MQTT topic aliases): it serves
// read_node_value(s) through machina_read_sensor_node(s), limited to those
// names — never a raw node id or topic.
type AliasReader interface {
	HasAlias(name string) bool
	AliasNames() []string
	ReadAliases(ctx context.Context, names ...string) ([]sensor.Reading, error)
}

// HealthFunc reports a native component's health.
type HealthFunc func(ctx context.Context) abi.HealthResponse

// Connector is one registered component.
type Connector struct {
	// Name is the configured name (the plugin name for plugins).
	Name string
	// Kind says which field below is set.
	Kind Kind
	// Primary is the operator's primary = true.
	Primary bool
	// Capabilities it serves, sorted.
	Capabilities []abi.Capability
	// Plugin is set for CMMS and messaging connectors.
	Plugin OpCaller
	// Docs is set for the document store.
	Docs DocumentSearcher
	// Sensors is set for the sensor source.
	Sensors SensorSource
	// HealthFunc is the native health check (nil means healthy).
	HealthFunc HealthFunc

	ops map[abi.OpName]bool
}

// Has reports whether the connector implements op (plugins only).
func (c *Connector) Has(op abi.OpName) bool { return c.ops[op] }

// Serves reports whether the connector serves capability cp.
func (c *Connector) Serves(cp abi.Capability) bool {
	for _, x := range c.Capabilities {
		if x == cp {
			return true
		}
	}
	return false
}

// SHA256 is the plugin module hash, or "".
func (c *Connector) SHA256() string {
	if c.Plugin == nil {
		return ""
	}
	return c.Plugin.SHA256()
}

// Failure is a connector that could not be started. Err is for logs only:
// it may contain paths; clients see Health's sanitised message.
type Failure struct {
	Name string
	Kind Kind
	Err  error
}

// Health is one connector's state as /health and doctor report it.
type Health struct {
	Name    string           `json:"name"`
	Kind    Kind             `json:"kind"`
	Status  abi.HealthStatus `json:"status"`
	Message string           `json:"message,omitempty"`
	Primary bool             `json:"primary,omitempty"`
}

// ErrNoConnector is returned (wrapped) when no connector serves a
// capability.
var ErrNoConnector = errors.New("no connector serves this capability")

// Registry holds the connectors. Build it at start-up (Add*, Fail), then
// use it from any goroutine.
type Registry struct {
	logger hclog.Logger

	mu         sync.RWMutex
	connectors []*Connector
	failures   []Failure
	warned     bool
	watchers   map[int]func()
	nextWatch  int
}

// OnChange registers fn, called after a connector is registered or
// recorded as failed (outside the registry's lock, on the caller's
// goroutine). The returned function unregisters it.
func (r *Registry) OnChange(fn func()) (cancel func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.watchers == nil {
		r.watchers = map[int]func(){}
	}
	id := r.nextWatch
	r.nextWatch++
	r.watchers[id] = fn
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.watchers, id)
	}
}

func (r *Registry) changed() {
	r.mu.RLock()
	fns := make([]func(), 0, len(r.watchers))
	for _, fn := range r.watchers {
		fns = append(fns, fn)
	}
	r.mu.RUnlock()
	for _, fn := range fns {
		fn()
	}
}

// New returns an empty registry. A nil logger discards.
func New(logger hclog.Logger) *Registry {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Registry{logger: logger}
}

// AddPlugin registers a loaded plugin under name. Its kind and
// capabilities come from its descriptor through the ABI table
// (abi.CapabilitiesOf), never from what the plugin claims. A second
// primary is refused.
func (r *Registry) AddPlugin(name string, p OpCaller, primary bool) (*Connector, error) {
	d := p.Descriptor()
	kind := KindCMMS
	if d.Kind == abi.KindMessaging {
		kind = KindMessaging
	}
	ops := map[abi.OpName]bool{}
	for _, op := range d.Operations {
		ops[op] = true
	}
	c := &Connector{Name: name, Kind: kind, Primary: primary, Plugin: p, Capabilities: abi.CapabilitiesOf(d.Operations), ops: ops}
	return c, r.add(c)
}

// AddDocuments registers the document store (capability search_documents).
func (r *Registry) AddDocuments(name string, d DocumentSearcher, health HealthFunc) (*Connector, error) {
	c := &Connector{Name: name, Kind: KindDocuments, Docs: d, HealthFunc: health,
		Capabilities: []abi.Capability{abi.CapSearchDocuments}}
	return c, r.add(c)
}

// AddSensors registers a sensor source: capability get_latest_reading, and
// read_node_value and read_node_values when it reads configured aliases
// (AliasReader).
func (r *Registry) AddSensors(name string, s SensorSource, health HealthFunc) (*Connector, error) {
	c := &Connector{Name: name, Kind: KindSensors, Sensors: s, HealthFunc: health,
		Capabilities: []abi.Capability{abi.CapGetLatestReading}}
	if _, ok := s.(AliasReader); ok {
		c.Capabilities = append(c.Capabilities, abi.CapReadNodeValue, abi.CapReadNodeValues)
	}
	return c, r.add(c)
}

// NativeCapabilities lists every capability a native connector can serve
// (the document store, sensor sources); plugins serve those of the ABI
// operation table.
func NativeCapabilities() []abi.Capability {
	return []abi.Capability{abi.CapSearchDocuments, abi.CapGetLatestReading, abi.CapReadNodeValue, abi.CapReadNodeValues}
}

func (r *Registry) add(c *Connector) error {
	if err := r.insert(c); err != nil {
		return err
	}
	r.changed()
	return nil
}

func (r *Registry) insert(c *Connector) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.connectors {
		if x.Name == c.Name {
			return fmt.Errorf("registry: connector %q registered twice", c.Name)
		}
		if c.Primary && x.Primary {
			return fmt.Errorf("registry: multiple connectors marked primary (%s, %s)", x.Name, c.Name)
		}
	}
	r.connectors = append(r.connectors, c)
	r.logger.Debug("connector registered", "connector", c.Name, "kind", string(c.Kind), "capabilities", len(c.Capabilities))
	return nil
}

// Fail records a connector that could not be started; the host goes on
// with the others (best-effort start).
func (r *Registry) Fail(name string, kind Kind, err error) {
	r.mu.Lock()
	r.failures = append(r.failures, Failure{Name: name, Kind: kind, Err: err})
	r.logger.Warn("runtime_partial_startup: connector not started", "connector", name, "error", err)
	r.mu.Unlock()
	r.changed()
}

// Failures lists the connectors that could not be started.
func (r *Registry) Failures() []Failure {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]Failure(nil), r.failures...)
}

// Connectors lists the registered connectors in registration order.
func (r *Registry) Connectors() []*Connector {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*Connector(nil), r.connectors...)
}

// Capabilities is the union of the capabilities served, in the order of
// abi.Capabilities() (deterministic).
func (r *Registry) Capabilities() []abi.Capability {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []abi.Capability
	for _, cp := range abi.Capabilities() {
		for _, c := range r.connectors {
			if c.Serves(cp) {
				out = append(out, cp)
				break
			}
		}
	}
	return out
}

// Find lists the connectors serving cp, in registration order.
func (r *Registry) Find(cp abi.Capability) []*Connector {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*Connector
	for _, c := range r.connectors {
		if c.Serves(cp) {
			out = append(out, c)
		}
	}
	return out
}

// PrimaryCMMS returns the CMMS that serves asset and work-order reads: the
// connector marked primary, else the first that reads assets (logged once
// as no_primary_cmms_configured).
func (r *Registry) PrimaryCMMS() (*Connector, error) {
	r.mu.RLock()
	var first *Connector
	for _, c := range r.connectors {
		if c.Primary && c.Kind == KindCMMS {
			r.mu.RUnlock()
			return c, nil
		}
		if first == nil && c.Serves(abi.CapReadAssets) {
			first = c
		}
	}
	warned := r.warned
	r.mu.RUnlock()
	if first == nil {
		return nil, fmt.Errorf("No CMMS connector configured: %w", ErrNoConnector)
	}
	if !warned {
		r.mu.Lock()
		if !r.warned {
			r.warned = true
			r.logger.Warn("no_primary_cmms_configured: using the first CMMS that reads assets; set primary = true on one plugin", "connector", first.Name)
		}
		r.mu.Unlock()
	}
	return first, nil
}

// For returns the connector that serves cp: the primary CMMS when it serves
// it, else the first connector that does.
func (r *Registry) For(cp abi.Capability) (*Connector, error) {
	if p, err := r.PrimaryCMMS(); err == nil && p.Serves(cp) {
		return p, nil
	}
	cs := r.Find(cp)
	if len(cs) == 0 {
		return nil, fmt.Errorf("capability %s: %w", cp, ErrNoConnector)
	}
	return cs[0], nil
}

// Health checks every connector (plugins through their health operation,
// each bounded by timeout) and lists failed connectors as unhealthy with a
// generic message (the cause stays in the logs: it may name paths).
func (r *Registry) Health(ctx context.Context, timeout time.Duration) []Health {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	primary, _ := r.PrimaryCMMS()
	cs := r.Connectors()
	out := make([]Health, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			h := health(cctx, c)
			out[i] = Health{Name: c.Name, Kind: c.Kind, Status: h.Status, Message: h.Message, Primary: c == primary}
		}()
	}
	wg.Wait()
	for _, f := range r.Failures() {
		out = append(out, Health{Name: f.Name, Kind: f.Kind, Status: abi.HealthUnhealthy, Message: "failed to start (see the server log)"})
	}
	return out
}

func health(ctx context.Context, c *Connector) abi.HealthResponse {
	switch {
	case c.Plugin != nil:
		var h abi.HealthResponse
		if err := c.Plugin.CallOp(ctx, abi.OpHealth, abi.HealthRequest{}, &h); err != nil {
			return abi.HealthResponse{Status: abi.HealthUnhealthy, Message: "health check failed"}
		}
		if h.Status == "" {
			h.Status = abi.HealthHealthy
		}
		return abi.HealthResponse{Status: h.Status, Message: truncate(h.Message, 200)}
	case c.HealthFunc != nil:
		h := c.HealthFunc(ctx)
		return abi.HealthResponse{Status: h.Status, Message: truncate(h.Message, 200)}
	}
	return abi.HealthResponse{Status: abi.HealthHealthy}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
