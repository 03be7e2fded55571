package mqtt

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/machina-go/machina/host/internal/sensor"
)

// Defaults (milliseconds unless named otherwise).
const (
	defaultConnectTimeoutMS = 10000
	defaultKeepAliveS       = 30
	defaultReconnectMinMS   = 500
	defaultReconnectMaxMS   = 30000
	defaultQoS              = 1
)

// Config is the [mqtt] table of machina.toml:
//
//	[[mqtt.broker]]
//	name = "plant"
//	url = "mqtts://broker.plant.local:8883"
//	ca_file = "pki/mqtt-ca.pem"
//	cert_file = "pki/machina.pem"      # optional client certificate
//	key_file = "pki/machina.key"
//	username = "machina"
//	password_secret = "mqtt_password"
//
//	[[mqtt.broker.topic]]
//	name = "pump-101.temperature"
//	topic = "plant/p101/temperature"
//	asset_id = "P-101"
//	parameter = "temperature"
//	unit = "degC"
//	value_path = "value"               # JSON payload {"value": 71.5}; empty: plain number
//	threshold = { high = 80.0, hysteresis = 2.0, deadband = 0.5, severity = "warning" }
type Config struct {
	Brokers []BrokerConfig `toml:"broker"`
}

// BrokerConfig is one [[mqtt.broker]] table.
type BrokerConfig struct {
	// Name identifies the broker in logs, health, readings and alarms.
	Name string `toml:"name"`
	// URL is mqtt://host:port or tcp://host:port (plain, default port
	// 1883), mqtts://, ssl:// or tls://host:port (TLS, default port 8883).
	URL string `toml:"url"`
	// ClientID is the MQTT client identifier (default machina-<8 hex>,
	// new for every process).
	ClientID string `toml:"client_id,omitempty"`
	// CAFile holds the PEM certificates that may sign the broker's
	// certificate (default: the system roots). ServerName overrides the
	// name checked against the certificate (default: the URL's host).
	CAFile     string `toml:"ca_file,omitempty"`
	ServerName string `toml:"server_name,omitempty"`
	// CertFile and KeyFile are a PEM client certificate and its key, for
	// brokers that authenticate clients by certificate (TLS only).
	CertFile string `toml:"cert_file,omitempty"`
	KeyFile  string `toml:"key_file,omitempty"`
	// Username enables username/password authentication; the password is
	// read at every connect from the SecretSource under PasswordSecret.
	// Refused over plain TCP unless the broker is on loopback.
	Username       string `toml:"username,omitempty"`
	PasswordSecret string `toml:"password_secret,omitempty"`
	// Timeouts and intervals (0 = default).
	ConnectTimeoutMS int `toml:"connect_timeout_ms,omitempty"` // default 10000
	KeepAliveS       int `toml:"keepalive_s,omitempty"`        // default 30
	ReconnectMinMS   int `toml:"reconnect_min_ms,omitempty"`   // default 500
	ReconnectMaxMS   int `toml:"reconnect_max_ms,omitempty"`   // default 30000
	// StaleAfterMS marks a topic's last value stale when no message arrived
	// for that long (0 = never).
	StaleAfterMS int `toml:"stale_after_ms,omitempty"`
	// Topics are the subscriptions.
	Topics []TopicConfig `toml:"topic,omitempty"`
}

// TopicConfig maps a topic filter to an asset parameter.
type TopicConfig struct {
	// Name is the alias ("pump-101.temperature"); default the topic.
	Name string `toml:"name,omitempty"`
	// Topic is an MQTT topic filter; "+" and "#" wildcards are allowed, and
	// each concrete topic matched keeps its own value and alarm state.
	Topic     string `toml:"topic"`
	AssetID   string `toml:"asset_id"`
	Parameter string `toml:"parameter,omitempty"`
	Unit      string `toml:"unit,omitempty"`
	// ValuePath is the dotted path of the value in a JSON payload
	// ("value", "data.temp", "metrics[0].value"). Empty: the payload is a
	// plain number ("71.5"). A numeric string at the path is accepted.
	ValuePath string `toml:"value_path,omitempty"`
	// QoS of the subscription: 0, 1 (default) or 2.
	QoS       *int                    `toml:"qos,omitempty"`
	Threshold *sensor.ThresholdConfig `toml:"threshold,omitempty"`
}

// Validate checks the whole configuration and reports every problem at once.
func (c *Config) Validate() error {
	checks := make([]sensor.SourceCheck, len(c.Brokers))
	for i := range c.Brokers {
		b := &c.Brokers[i]
		checks[i] = sensor.SourceCheck{Name: b.Name, Err: b.Validate()}
		for _, t := range b.Topics {
			checks[i].Aliases = append(checks[i].Aliases, t.alias())
		}
	}
	return sensor.ValidateSources("mqtt.broker", "broker", checks)
}

// Validate checks one broker.
func (b *BrokerConfig) Validate() error {
	var errs []error
	add := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	if strings.TrimSpace(b.Name) == "" {
		add("name is empty")
	}
	u, tlsOn, err := b.endpoint()
	if err != nil {
		errs = append(errs, err)
	}
	if !tlsOn && err == nil {
		if b.CAFile != "" || b.CertFile != "" || b.KeyFile != "" || b.ServerName != "" {
			add("ca_file, cert_file, key_file and server_name need a TLS url (mqtts://, ssl:// or tls://)")
		}
		if b.Username != "" && !sensor.LoopbackHost(u.Hostname()) {
			add("username authentication needs TLS (mqtts://): the password would cross the network in clear")
		}
	}
	if (b.CertFile == "") != (b.KeyFile == "") {
		add("cert_file and key_file go together")
	}
	if (b.Username == "") != (b.PasswordSecret == "") {
		add("username and password_secret go together")
	}
	for _, v := range []struct {
		n string
		v int
	}{{"connect_timeout_ms", b.ConnectTimeoutMS}, {"keepalive_s", b.KeepAliveS}, {"reconnect_min_ms", b.ReconnectMinMS},
		{"reconnect_max_ms", b.ReconnectMaxMS}, {"stale_after_ms", b.StaleAfterMS}} {
		if v.v < 0 {
			add("%s must not be negative", v.n)
		}
	}
	if b.ReconnectMinMS > 0 && b.ReconnectMaxMS > 0 && b.ReconnectMinMS > b.ReconnectMaxMS {
		add("reconnect_min_ms (%d) exceeds reconnect_max_ms (%d)", b.ReconnectMinMS, b.ReconnectMaxMS)
	}
	if len(b.Topics) == 0 {
		add("no [[mqtt.broker.topic]] configured")
	}
	seen := map[string]bool{}
	for j, t := range b.Topics {
		if err := t.validate(); err != nil {
			errs = append(errs, fmt.Errorf("topic[%d] %q: %w", j, t.alias(), err))
		}
		k := strings.ToLower(t.alias())
		if seen[k] {
			add("alias %q is defined twice", t.alias())
		}
		seen[k] = true
	}
	return errors.Join(errs...)
}

func (t *TopicConfig) alias() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Topic
}

func (t *TopicConfig) validate() error {
	var errs []error
	add := func(f string, v ...any) { errs = append(errs, fmt.Errorf(f, v...)) }
	if err := validFilter(t.Topic); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(t.AssetID) == "" {
		add("asset_id is empty")
	}
	if _, err := parsePath(t.ValuePath); err != nil {
		errs = append(errs, err)
	}
	if t.QoS != nil && (*t.QoS < 0 || *t.QoS > 2) {
		add("qos %d: want 0, 1 or 2", *t.QoS)
	}
	if t.Threshold != nil {
		if err := t.Threshold.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *TopicConfig) qos() byte {
	if t.QoS == nil {
		return defaultQoS
	}
	return byte(*t.QoS)
}

// validFilter checks an MQTT topic filter (MQTT 3.1.1 §4.7).
func validFilter(f string) error {
	if f == "" {
		return errors.New("topic is empty")
	}
	if strings.ContainsRune(f, 0) {
		return fmt.Errorf("topic %q contains a NUL character", f)
	}
	levels := strings.Split(f, "/")
	for i, l := range levels {
		switch {
		case l == "#" && i != len(levels)-1:
			return fmt.Errorf("topic %q: \"#\" must be the last level", f)
		case l != "#" && l != "+" && strings.ContainsAny(l, "#+"):
			return fmt.Errorf("topic %q: a wildcard must fill a whole level", f)
		}
	}
	return nil
}

// endpoint parses the URL into the address paho dials and whether it uses
// TLS.
func (b *BrokerConfig) endpoint() (*url.URL, bool, error) {
	u, err := url.Parse(strings.TrimSpace(b.URL))
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, false, fmt.Errorf("url %q: want mqtt://host:port or mqtts://host:port", b.URL)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return nil, false, fmt.Errorf("url %q: a broker url has no path, query or user info (use username and password_secret)", b.URL)
	}
	var tlsOn bool
	port := "1883"
	switch strings.ToLower(u.Scheme) {
	case "mqtt", "tcp":
	case "mqtts", "ssl", "tls":
		tlsOn, port = true, "8883"
	default:
		return nil, false, fmt.Errorf("url %q: scheme %q: want mqtt, tcp, mqtts, ssl or tls", b.URL, u.Scheme)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return u, tlsOn, nil
}

// dialURL is the URL in paho's spelling (tcp:// or ssl://).
func (b *BrokerConfig) dialURL() string {
	u, tlsOn, err := b.endpoint()
	if err != nil {
		return ""
	}
	if tlsOn {
		return "ssl://" + u.Host
	}
	return "tcp://" + u.Host
}

// hostPort is host:port of the broker, used in sources.
func (b *BrokerConfig) hostPort() string {
	if u, _, err := b.endpoint(); err == nil {
		return u.Host
	}
	return b.URL
}

// ResolvePaths makes relative certificate, key and CA paths relative to
// dir (the directory of machina.toml).
func (c *Config) ResolvePaths(dir string) {
	for i := range c.Brokers {
		b := &c.Brokers[i]
		sensor.ResolvePaths(dir, &b.CAFile, &b.CertFile, &b.KeyFile)
	}
}

func ms(v, def int) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * time.Millisecond
}
