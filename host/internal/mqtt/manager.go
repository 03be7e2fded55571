package mqtt

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
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
	sensor.Fleet[*Broker]
	log     hclog.Logger
	store   *sensor.AlarmStore
	brokers []*Broker
}

// NewManager validates cfg and prepares the sessions without connecting.
func NewManager(cfg Config, o Options) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Manager{}
	m.log, m.store = sensor.Deps("mqtt", o.Logger, o.Store, nil)
	for _, bc := range cfg.Brokers {
		b, err := newBroker(bc, m.log, o.Secrets, m.store)
		if err != nil {
			return nil, err
		}
		m.brokers = append(m.brokers, b)
	}
	m.Fleet = sensor.NewFleet("mqtt", m.store, m.brokers)
	return m, nil
}

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

// Health reports every broker, in configuration order.
func (m *Manager) Health() []BrokerHealth {
	out := make([]BrokerHealth, len(m.brokers))
	for i, b := range m.brokers {
		out[i] = b.Health()
	}
	return out
}

// HasAlias reports whether name (case-insensitive) is a configured topic
// alias.
func (m *Manager) HasAlias(name string) bool {
	key := strings.ToLower(strings.TrimSpace(name))
	return m.Any(func(b *Broker) bool { _, ok := b.byName[key]; return ok })
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
