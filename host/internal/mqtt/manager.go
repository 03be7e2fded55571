package mqtt

import (
	"context"
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
	// Secrets resolves password_secret names; required when a broker sets
	// a username.
	Secrets sensor.SecretSource
	// Store receives alarms; share it with the other sensor connectors. A
	// new store is created when nil.
	Store *sensor.AlarmStore
}

// Manager owns one Broker per configured broker and answers by asset
// across them.
type Manager struct {
	log     hclog.Logger
	store   *sensor.AlarmStore
	brokers []*Broker

	sup sensor.Supervisor
}

// NewManager validates cfg and prepares the sessions without connecting.
func NewManager(cfg Config, o Options) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Store == nil {
		o.Store = sensor.NewAlarmStore(1000, nil)
	}
	m := &Manager{log: o.Logger.Named("mqtt"), store: o.Store}
	for _, bc := range cfg.Brokers {
		b, err := newBroker(bc, m.log, o.Secrets, o.Store)
		if err != nil {
			return nil, err
		}
		m.brokers = append(m.brokers, b)
	}
	return m, nil
}

// Start launches one supervisor per broker; it returns at once and the
// sessions come up in the background (see WaitConnected, Health).
func (m *Manager) Start(ctx context.Context) error {
	if err := m.sup.Start(ctx, sensor.Sessions(m.brokers)...); err != nil {
		return fmt.Errorf("mqtt manager: %w", err)
	}
	return nil
}

// Close ends every session and waits for the supervisors to stop.
func (m *Manager) Close() error {
	m.sup.Close()
	return nil
}

// WaitConnected blocks until every broker has a session or ctx ends.
func (m *Manager) WaitConnected(ctx context.Context) error {
	return sensor.WaitConnected(ctx, m.brokers)
}

// Store is the alarm store.
func (m *Manager) Store() *sensor.AlarmStore { return m.store }

// LatestReadings returns the last value received on every topic of
// assetID (case-insensitive): the data behind machina_get_sensor_reading.
// It fails with ErrUnknownAsset when no topic names that asset.
func (m *Manager) LatestReadings(_ context.Context, assetID string) (*sensor.AssetReadings, error) {
	assetID = strings.TrimSpace(assetID)
	now := time.Now().UTC()
	var rs []sensor.Reading
	known := false
	for _, b := range m.brokers {
		if b.knows(assetID) {
			known = true
			rs = append(rs, b.readings(assetID, now)...)
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: no MQTT topic is configured for asset %q", ErrUnknownAsset, assetID)
	}
	return sensor.NewAssetReadings(assetID, rs, len(m.store.Active(assetID))), nil
}

// Alarms returns the active alarms of assetID (all assets when empty) from
// the shared store.
func (m *Manager) Alarms(assetID string) []abi.Alarm {
	return m.store.Active(strings.TrimSpace(assetID))
}

// Health reports every broker, in configuration order.
func (m *Manager) Health() []BrokerHealth {
	out := make([]BrokerHealth, len(m.brokers))
	for i, b := range m.brokers {
		out[i] = b.Health()
	}
	return out
}

// WatchAlarms delivers every alarm raised or cleared from now on (the
// store is shared with the other sensor connectors).
func (m *Manager) WatchAlarms(buffer int) (<-chan abi.Alarm, func()) { return m.store.Watch(buffer) }

// HasAlias reports whether name (case-insensitive) is a configured topic
// alias.
func (m *Manager) HasAlias(name string) bool {
	for _, b := range m.brokers {
		if _, ok := b.byName[strings.ToLower(strings.TrimSpace(name))]; ok {
			return true
		}
	}
	return false
}

// AliasNames lists the configured topic aliases, sorted.
func (m *Manager) AliasNames() []string {
	var out []string
	for _, b := range m.brokers {
		for _, s := range b.subs {
			out = append(out, s.cfg.alias())
		}
	}
	sort.Strings(out)
	return out
}

// ReadAliases returns the last values of configured aliases (one reading
// per concrete topic of a wildcard filter), in the order asked.
func (m *Manager) ReadAliases(_ context.Context, names ...string) ([]sensor.Reading, error) {
	now := time.Now().UTC()
	var out []sensor.Reading
	for _, n := range names {
		found := false
		for _, b := range m.brokers {
			if s, ok := b.byName[strings.ToLower(strings.TrimSpace(n))]; ok {
				out = append(out, b.subReadings(s, now)...)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: no MQTT topic has the alias %q", sensor.ErrUnknownAlias, n)
		}
	}
	return out, nil
}
