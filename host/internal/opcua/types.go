package opcua

import (
	"context"
	"errors"
	"time"
)

// SecretSource resolves a named secret (e.g. the OPC-UA password). The
// secrets registry implements it; this package never stores the value.
type SecretSource interface {
	Secret(ctx context.Context, name string) (string, error)
}

// Reading is one node value, JSON-ready for the MCP layer.
type Reading struct {
	// Alias is the configured name (empty for a raw node id read).
	Alias     string `json:"alias,omitempty"`
	AssetID   string `json:"asset_id,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	// Value is float64 for numeric nodes, otherwise the node's Go value
	// (string, bool, …); nil when Quality is not "good".
	Value any    `json:"value"`
	Unit  string `json:"unit,omitempty"`
	// Quality is "good" or the OPC-UA status (e.g. "StatusBadNodeIDUnknown",
	// or "unavailable" when the endpoint is disconnected).
	Quality string `json:"quality"`
	// Timestamp is the source timestamp, else the server timestamp, else
	// the time of the read (UTC).
	Timestamp time.Time `json:"timestamp"`
	NodeID    string    `json:"node_id"`
	Endpoint  string    `json:"endpoint"`
	// Source is opcua://<host:port>/<node id>, as in alarms.
	Source string `json:"source"`
	// Error explains a quality other than "good" in words.
	Error string `json:"error,omitempty"`
}

// AssetReadings is the result of Manager.LatestReadings, the data behind
// machina_get_sensor_reading(asset_id).
type AssetReadings struct {
	AssetID   string    `json:"asset_id"`
	Timestamp time.Time `json:"timestamp"`
	// Values maps parameter name → value for the readings of good quality,
	// like the reference's sensor dict.
	Values map[string]any `json:"values"`
	// Units maps parameter name → unit where configured.
	Units map[string]string `json:"units,omitempty"`
	// Readings has every aliased node of the asset with quality and source.
	Readings []Reading `json:"readings"`
	// ActiveAlarms counts the asset's active alarms.
	ActiveAlarms int `json:"active_alarms"`
}

// BrowseEntry is one node found by Browse.
type BrowseEntry struct {
	NodeID      string `json:"node_id"`
	BrowseName  string `json:"browse_name"`
	DisplayName string `json:"display_name,omitempty"`
	NodeClass   string `json:"node_class"`
}

// Connection states reported in EndpointHealth.State.
const (
	StateConnecting   = "connecting"
	StateConnected    = "connected"
	StateReconnecting = "reconnecting"
	StateClosed       = "closed"
)

// Health statuses reported in EndpointHealth.Status.
const (
	HealthOK       = "ok"
	HealthDegraded = "degraded"
)

// EndpointHealth describes one endpoint.
type EndpointHealth struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// Status is "ok" when the session is up and the server reports
	// Running (ServerStatus.State, i=2259), otherwise "degraded".
	Status string `json:"status"`
	// State is connecting, connected, reconnecting or closed.
	State string `json:"state"`
	// ServerState is the server's own state (Running, Failed, …) when read.
	ServerState    string    `json:"server_state,omitempty"`
	SecurityPolicy string    `json:"security_policy"`
	SecurityMode   string    `json:"security_mode"`
	Since          time.Time `json:"since"`
	Reconnects     int       `json:"reconnects"`
	Monitored      int       `json:"monitored_items"`
	LastError      string    `json:"last_error,omitempty"`
}

// ErrNotConnected is wrapped by calls made while an endpoint has no session.
var ErrNotConnected = errors.New("OPC-UA endpoint not connected")

// ErrUnknownAlias is wrapped when an alias or asset has no configured node.
var ErrUnknownAlias = errors.New("unknown OPC-UA alias")

// SecretFunc adapts a function to SecretSource, e.g. a secrets registry:
//
//	opcua.SecretFunc(func(ctx context.Context, name string) (string, error) {
//		v, err := reg.Get(ctx, name)
//		return v.Reveal(), err
//	})
type SecretFunc func(ctx context.Context, name string) (string, error)

// Secret calls f.
func (f SecretFunc) Secret(ctx context.Context, name string) (string, error) { return f(ctx, name) }
