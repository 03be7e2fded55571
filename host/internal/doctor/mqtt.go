package doctor

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/mqtt"
	"github.com/machina-go/machina/host/internal/sensor"
)

// mqttFindings checks the [[mqtt.broker]] tables: invalid settings are
// high; plain TCP is medium on loopback and high towards any other host.
func mqttFindings(cfg *config.Config) []Finding {
	var mc mqtt.Config
	if err := cfg.DecodeStrict(cfg.MQTT, "mqtt", &mc); err != nil {
		return []Finding{{Severity: High, Check: "mqtt", Message: "[mqtt]: " + err.Error(), Fix: "fix the [mqtt] section"}}
	}
	if len(mc.Brokers) == 0 {
		return nil
	}
	var out []Finding
	if err := mc.Validate(); err != nil {
		out = append(out, Finding{Severity: High, Check: "mqtt", Message: err.Error(), Fix: "fix the [[mqtt.broker]] tables"})
	}
	for _, b := range mc.Brokers {
		u, err := url.Parse(b.URL)
		if err != nil {
			continue
		}
		switch strings.ToLower(u.Scheme) {
		case "mqtt", "tcp":
		default:
			continue
		}
		sev := Medium
		if !sensor.LoopbackHost(u.Hostname()) {
			sev = High
		}
		out = append(out, Finding{Severity: sev, Check: "mqtt-tls",
			Message: fmt.Sprintf("MQTT broker %s is reached over plain TCP: readings can be read and forged on the network and the broker is not authenticated", b.Name),
			Fix:     "use an mqtts:// url with ca_file (and a client certificate or username with password_secret)"})
	}
	return out
}
