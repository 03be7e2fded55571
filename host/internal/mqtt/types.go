package mqtt

import (
	"time"

	"github.com/machina-go/machina/host/internal/sensor"
)

// QualityStale is the quality of a topic not heard from within
// stale_after_ms.
const QualityStale = "stale"

// BrokerHealth describes one broker session.
type BrokerHealth struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// Status is sensor.HealthOK while the session is up, otherwise
	// sensor.HealthDegraded.
	Status string `json:"status"`
	// State is one of the sensor.State* values.
	State         string    `json:"state"`
	Since         time.Time `json:"since"`
	Reconnects    int       `json:"reconnects"`
	Subscriptions int       `json:"subscriptions"`
	// Messages counts the messages received; Rejected those without a
	// usable number.
	Messages  int    `json:"messages"`
	Rejected  int    `json:"rejected"`
	LastError string `json:"last_error,omitempty"`
}

// ErrUnknownAsset is wrapped when no topic is configured for an asset.
var ErrUnknownAsset = sensor.ErrUnknownAsset
