package opcua

import (
	"errors"
	"fmt"
	"time"

	"github.com/machina-go/machina/host/internal/sensor"
)

// SecretSource resolves a named secret (the OPC-UA password); see
// sensor.SecretSource. This package never stores the value.
type SecretSource = sensor.SecretSource

// Reading is one node value (see sensor.Reading); OPC-UA readings set
// NodeID and Endpoint.
type Reading = sensor.Reading

// AssetReadings is the result of Manager.LatestReadings, the data behind
// machina_get_sensor_reading(asset_id); see sensor.AssetReadings.
type AssetReadings = sensor.AssetReadings

// BrowseEntry is one node found by Browse.
type BrowseEntry struct {
	NodeID      string `json:"node_id"`
	BrowseName  string `json:"browse_name"`
	DisplayName string `json:"display_name,omitempty"`
	NodeClass   string `json:"node_class"`
}

// Connection states reported in EndpointHealth.State (see package sensor).
const (
	StateConnecting   = sensor.StateConnecting
	StateConnected    = sensor.StateConnected
	StateReconnecting = sensor.StateReconnecting
	StateClosed       = sensor.StateClosed
)

// Health statuses reported in EndpointHealth.Status.
const (
	HealthOK       = sensor.HealthOK
	HealthDegraded = sensor.HealthDegraded
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
var ErrUnknownAlias = fmt.Errorf("unknown OPC-UA alias: %w", sensor.ErrUnknownAlias)

// SecretFunc adapts a function to SecretSource; see sensor.SecretFunc.
type SecretFunc = sensor.SecretFunc
