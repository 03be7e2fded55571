package mqtt

import (
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/sensor"
)

func TestConfigValidation(t *testing.T) {
	topic := []TopicConfig{{Topic: "a/b", AssetID: "A"}}
	q3 := 3
	cases := []struct {
		name string
		b    BrokerConfig
		want string // "" = valid
	}{
		{"plain loopback with password", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1:1883", Username: "u", PasswordSecret: "s", Topics: topic}, ""},
		{"tls default port", BrokerConfig{Name: "p", URL: "mqtts://broker.example.com", Topics: topic}, ""},
		{"password in clear over the network", BrokerConfig{Name: "p", URL: "mqtt://broker.example.com", Username: "u", PasswordSecret: "s", Topics: topic}, "needs TLS"},
		{"ca_file without tls", BrokerConfig{Name: "p", URL: "tcp://10.0.0.1:1883", CAFile: "ca.pem", Topics: topic}, "need a TLS url"},
		{"credentials in the url", BrokerConfig{Name: "p", URL: "mqtts://u:pw@broker:8883", Topics: topic}, "user info"},
		{"bad scheme", BrokerConfig{Name: "p", URL: "http://broker", Topics: topic}, "scheme"},
		{"half a client cert", BrokerConfig{Name: "p", URL: "mqtts://b", CertFile: "c.pem", Topics: topic}, "go together"},
		{"no topics", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1"}, "no [[mqtt.broker.topic]]"},
		{"bad wildcard", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1", Topics: []TopicConfig{{Topic: "a/#/b", AssetID: "A"}}}, "last level"},
		{"partial wildcard", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1", Topics: []TopicConfig{{Topic: "a/b+", AssetID: "A"}}}, "whole level"},
		{"no asset", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1", Topics: []TopicConfig{{Topic: "a"}}}, "asset_id"},
		{"bad qos", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1", Topics: []TopicConfig{{Topic: "a", AssetID: "A", QoS: &q3}}}, "qos"},
		{"bad path", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1", Topics: []TopicConfig{{Topic: "a", AssetID: "A", ValuePath: "x[y]"}}}, "bad index"},
		{"bad threshold", BrokerConfig{Name: "p", URL: "mqtt://127.0.0.1", Topics: []TopicConfig{{Topic: "a", AssetID: "A", Threshold: &sensor.ThresholdConfig{}}}}, "high, low"},
	}
	for _, tc := range cases {
		err := (&Config{Brokers: []BrokerConfig{tc.b}}).Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeValue(t *testing.T) {
	cases := []struct {
		payload, path string
		want          float64
		ok            bool
	}{
		{"42", "", 42, true},
		{" -1.5e2 \n", "", -150, true},
		{`"7.25"`, "", 7.25, true},
		{`{"value": 71.5}`, "value", 71.5, true},
		{`{"d":{"t":[1,{"v":"3.5"}]}}`, "d.t[1].v", 3.5, true},
		{`{"on": true}`, "on", 1, true},
		{`{"value": "NaN"}`, "value", 0, false},
		{"NaN", "", 0, false},
		{`{"value": null}`, "value", 0, false},
		{`{"v": 1}`, "value", 0, false},
		{"plain text", "", 0, false},
		{`[1,2]`, "x", 0, false},
	}
	for _, c := range cases {
		p, err := parsePath(c.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeValue([]byte(c.payload), p)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("decode %q at %q = %v, %v; want %v ok=%v", c.payload, c.path, got, err, c.want, c.ok)
		}
	}
}
