package opcua

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/sensor"
)

// Options are the dependencies of a Manager.
type Options struct {
	// Logger receives all logs (hclog.NewNullLogger() when nil).
	Logger hclog.Logger
	// Secrets resolves password_secret names; required when an endpoint
	// sets a username.
	Secrets SecretSource
	// Store receives alarms; a new store with 1000 events of history is
	// created when nil.
	Store *AlarmStore
	// OnAlarm is called synchronously for every alarm event when Store is
	// nil (it becomes the new store's callback). It must not block.
	OnAlarm func(AlarmEvent)
}

// Manager owns one Client per configured endpoint and answers by alias and
// asset id across them.
type Manager struct {
	sensor.Fleet[*Client]
	log     hclog.Logger
	store   *AlarmStore
	clients []*Client
	byName  map[string]*Client
}

// NewManager validates cfg and prepares the clients without connecting.
func NewManager(cfg Config, o Options) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Manager{byName: map[string]*Client{}}
	m.log, m.store = sensor.Deps("opcua", o.Logger, o.Store, o.OnAlarm)
	for _, ec := range cfg.Endpoints {
		c, err := newClient(ec, m.log, o.Secrets, m.store)
		if err != nil {
			return nil, err
		}
		m.clients = append(m.clients, c)
		m.byName[ec.Name] = c
	}
	m.Fleet = sensor.NewFleet("opcua", m.store, m.clients)
	return m, nil
}

// Client returns the client of the named endpoint.
func (m *Manager) Client(name string) (*Client, bool) {
	c, ok := m.byName[name]
	return c, ok
}

// AliasInfo describes a configured alias (for listings and docs).
type AliasInfo struct {
	Name      string           `json:"name"`
	Endpoint  string           `json:"endpoint"`
	NodeID    string           `json:"node_id"`
	AssetID   string           `json:"asset_id"`
	Parameter string           `json:"parameter"`
	Unit      string           `json:"unit,omitempty"`
	Threshold *ThresholdConfig `json:"threshold,omitempty"`
}

// Aliases lists every configured alias sorted by name.
func (m *Manager) Aliases() []AliasInfo {
	var out []AliasInfo
	for _, c := range m.clients {
		for _, a := range c.aliases {
			out = append(out, AliasInfo{Name: a.cfg.Name, Endpoint: c.cfg.Name, NodeID: a.nodeID.String(),
				AssetID: a.cfg.AssetID, Parameter: a.cfg.Parameter, Unit: a.cfg.Unit, Threshold: a.cfg.Threshold})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Read reads aliases (case-insensitive names such as
// "pump-101.temperature") with one batched Read call per endpoint. The
// result keeps the order of names. An endpoint without a session yields
// readings with quality "unavailable"; the error is non-nil only when an
// alias is unknown or no reading at all could be made.
func (m *Manager) Read(ctx context.Context, names ...string) ([]Reading, error) {
	type ref struct {
		c *Client
		a *alias
		i int
	}
	groups := map[*Client][]ref{}
	var order []*Client
	for i, n := range names {
		var found *ref
		for _, c := range m.clients {
			if a, ok := c.byName[strings.ToLower(strings.TrimSpace(n))]; ok {
				found = &ref{c, a, i}
				break
			}
		}
		if found == nil {
			return nil, fmt.Errorf("%w %q", ErrUnknownAlias, n)
		}
		if _, seen := groups[found.c]; !seen {
			order = append(order, found.c)
		}
		groups[found.c] = append(groups[found.c], *found)
	}
	out := make([]Reading, len(names))
	var errs []error
	good := 0
	for _, c := range order {
		refs := groups[c]
		as := make([]*alias, len(refs))
		for j, r := range refs {
			as[j] = r.a
		}
		rs, err := c.readAliases(ctx, as)
		for j, r := range refs {
			out[r.i] = rs[j]
			if err != nil {
				out[r.i].Quality, out[r.i].Error, out[r.i].Timestamp = "unavailable", err.Error(), time.Now().UTC()
			} else {
				good++
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if good == 0 && len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	return out, nil
}

// LatestReadings reads every aliased node of assetID (case-insensitive)
// and returns them keyed by parameter: the data behind
// machina_get_sensor_reading(asset_id). It fails with ErrUnknownAlias when
// no alias names that asset.
func (m *Manager) LatestReadings(ctx context.Context, assetID string) (*AssetReadings, error) {
	assetID = strings.TrimSpace(assetID)
	var names []string
	for _, c := range m.clients {
		for _, a := range c.aliases {
			if strings.EqualFold(a.cfg.AssetID, assetID) {
				names = append(names, a.cfg.Name)
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: %w: no OPC-UA node is configured for asset %q", ErrUnknownAlias, sensor.ErrUnknownAsset, assetID)
	}
	rs, err := m.Read(ctx, names...)
	if err != nil {
		return nil, err
	}
	return sensor.NewAssetReadings(assetID, rs, len(m.store.Active(assetID))), nil
}

// AlarmHistory returns recent raised and cleared alarms, newest first.
func (m *Manager) AlarmHistory(assetID string, limit int) []abi.Alarm {
	return m.store.History(strings.TrimSpace(assetID), limit)
}

// Subscribe delivers alarm events; see AlarmStore.Subscribe.
func (m *Manager) Subscribe(buffer int) (<-chan AlarmEvent, func()) { return m.store.Subscribe(buffer) }

// HasAlias reports whether name (case-insensitive) is a configured alias.
func (m *Manager) HasAlias(name string) bool {
	key := strings.ToLower(strings.TrimSpace(name))
	return m.Any(func(c *Client) bool { _, ok := c.byName[key]; return ok })
}

// AliasNames lists the configured aliases, sorted.
func (m *Manager) AliasNames() []string {
	var out []string
	for _, a := range m.Aliases() {
		out = append(out, a.Name)
	}
	return out
}

// ReadAliases reads configured aliases (read_node_value(s)); see Read.
func (m *Manager) ReadAliases(ctx context.Context, names ...string) ([]sensor.Reading, error) {
	return m.Read(ctx, names...)
}

// Health reports every endpoint, in configuration order.
func (m *Manager) Health(ctx context.Context) []EndpointHealth {
	out := make([]EndpointHealth, len(m.clients))
	for i, c := range m.clients {
		out[i] = c.Health(ctx)
	}
	return out
}

// ReloadCertificates asks every secure endpoint to re-read its certificate,
// key and trust files and reconnect with them; endpoints whose new files
// are invalid keep their session and report the error.
func (m *Manager) ReloadCertificates() error {
	var errs []error
	for _, c := range m.clients {
		if err := c.ReloadCertificates(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
