package mqtt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/sensor"
	simmqtt "github.com/machina-go/machina/internal/sim/mqtt"
	"github.com/machina-go/machina/internal/syncbuf"
)

const testPassword = "s3cret-Broker-pw-7431"

// TestTLSClientCertAndPassword connects over TLS, verifying the broker
// against the configured CA, presenting a client certificate and a
// password read from the secret source at connect time.
func TestTLSClientCertAndPassword(t *testing.T) {
	b := startBroker(t, simmqtt.Options{TLS: true, RequireClientCert: true, Users: map[string]string{"machina": testPassword}})
	p := b.PKI()
	calls := 0
	secrets := sensor.SecretFunc(func(_ context.Context, name string) (string, error) {
		calls++
		if name != "mqtt_password" {
			return "", errors.New("unknown secret")
		}
		return testPassword, nil
	})
	cfg := Config{Brokers: []BrokerConfig{{Name: "secure", URL: b.URL(), CAFile: p.CAFile, CertFile: p.ClientCert, KeyFile: p.ClientKey,
		Username: "machina", PasswordSecret: "mqtt_password",
		Topics: []TopicConfig{{Topic: "plant/p101/temperature", AssetID: "P-101", Parameter: "temperature"}}}}}
	var logs syncbuf.Buffer
	m := startManager(t, cfg, Options{Secrets: secrets, Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Trace})})
	pub := newPublisher(t, b, "machina", testPassword)
	pub.send("plant/p101/temperature", "42")
	eventually(t, "reading over TLS", func() (bool, string) { v, s := value(m, "P-101", "temperature"); return v == 42.0, s })
	if calls == 0 {
		t.Error("the password was not read from the secret source")
	}
	if strings.Contains(logs.String(), testPassword) {
		t.Error("the password appears in the logs")
	}
}

// TestRefusedConnections: an untrusted broker certificate, a wrong
// password and a missing client certificate never yield a session, and the
// reason is reported without the password.
func TestRefusedConnections(t *testing.T) {
	b := startBroker(t, simmqtt.Options{TLS: true, RequireClientCert: true, Users: map[string]string{"machina": testPassword}})
	p := b.PKI()
	good := sensor.SecretFunc(func(context.Context, string) (string, error) { return testPassword, nil })
	wrong := sensor.SecretFunc(func(context.Context, string) (string, error) { return "wrong-" + testPassword, nil })
	cases := []struct {
		name    string
		mod     func(*BrokerConfig)
		secrets sensor.SecretSource
		want    string
	}{
		{"untrusted CA", func(c *BrokerConfig) { c.CAFile = p.OtherCAFile }, good, "certificate"},
		{"wrong password", func(*BrokerConfig) {}, wrong, "not Authorized"},
		{"no client certificate", func(c *BrokerConfig) { c.CertFile, c.KeyFile = "", "" }, good, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bc := BrokerConfig{Name: "x", URL: b.URL(), CAFile: p.CAFile, CertFile: p.ClientCert, KeyFile: p.ClientKey,
				Username: "machina", PasswordSecret: "pw", ConnectTimeoutMS: 3000, ReconnectMinMS: 50, ReconnectMaxMS: 100,
				Topics: []TopicConfig{{Topic: "a/b", AssetID: "A"}}}
			tc.mod(&bc)
			var logs syncbuf.Buffer
			m, err := NewManager(Config{Brokers: []BrokerConfig{bc}}, Options{Secrets: tc.secrets, Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Trace})})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			eventually(t, "a refused connection", func() (bool, string) {
				h := m.Health()[0]
				return h.Reconnects >= 1 && h.LastError != "" && strings.Contains(h.LastError, tc.want), h.LastError
			})
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			if err := m.WaitConnected(ctx); err == nil {
				t.Fatal("connected despite the refusal")
			}
			if strings.Contains(logs.String(), testPassword) {
				t.Error("the password appears in the logs")
			}
		})
	}
}
