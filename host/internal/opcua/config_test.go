package opcua_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/machina-go/machina/host/internal/config"
	hostopcua "github.com/machina-go/machina/host/internal/opcua"
)

const sampleTOML = `
[[opcua.endpoint]]
name = "plant"
url = "opc.tcp://10.0.0.5:4840"
security_policy = "Basic256Sha256"
security_mode = "SignAndEncrypt"
cert_file = "pki/client.pem"
key_file = "pki/client.key"
trust_dir = "pki/trusted"
username = "machina"
password_secret = "opcua_plant_password"

[[opcua.endpoint.alias]]
name = "pump-101.temperature"
node_id = "ns=2;s=P-101.Temperature"
asset_id = "P-101"
parameter = "temperature"
unit = "degC"
threshold = { high = 80.0, hysteresis = 2.0, deadband = 0.5, severity = "critical" }
`

func TestConfigTOML(t *testing.T) {
	var doc struct {
		OPCUA hostopcua.Config `toml:"opcua"`
	}
	if _, err := toml.Decode(sampleTOML, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.OPCUA
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.ResolvePaths("/etc/machina")
	e := c.Endpoints[0]
	if e.CertFile != "/etc/machina/pki/client.pem" || e.TrustDir != "/etc/machina/pki/trusted" {
		t.Errorf("paths = %+v", e)
	}
	a := e.Aliases[0]
	if a.Threshold == nil || *a.Threshold.High != 80 || a.Threshold.Severity != "critical" {
		t.Errorf("alias = %+v", a)
	}
}

func TestConfigValidation(t *testing.T) {
	base := func() hostopcua.EndpointConfig {
		return hostopcua.EndpointConfig{Name: "p", URL: "opc.tcp://h:4840"}
	}
	hi := 1.0
	cases := []struct {
		name string
		mod  func(*hostopcua.EndpointConfig)
		want string
	}{
		{"ok", func(*hostopcua.EndpointConfig) {}, ""},
		{"bad url", func(e *hostopcua.EndpointConfig) { e.URL = "http://h" }, "want opc.tcp://host:port"},
		{"deprecated policy", func(e *hostopcua.EndpointConfig) { e.SecurityPolicy = "Basic128Rsa15" }, "deprecated"},
		{"unknown policy", func(e *hostopcua.EndpointConfig) { e.SecurityPolicy = "Rot13" }, "want one of"},
		{"mode without policy", func(e *hostopcua.EndpointConfig) { e.SecurityMode = "Sign" }, "needs a security_policy"},
		{"policy without cert", func(e *hostopcua.EndpointConfig) { e.SecurityPolicy = "Basic256Sha256" }, "cert_file and key_file are required"},
		{"policy without trust", func(e *hostopcua.EndpointConfig) {
			e.SecurityPolicy, e.CertFile, e.KeyFile = "Basic256Sha256", "c", "k"
		}, "trust_dir or trust_files is required"},
		{"policy with mode none", func(e *hostopcua.EndpointConfig) {
			e.SecurityPolicy, e.SecurityMode, e.CertFile, e.KeyFile, e.TrustDir = "Basic256Sha256", "None", "c", "k", "t"
		}, "contradicts"},
		{"username in clear", func(e *hostopcua.EndpointConfig) { e.Username, e.PasswordSecret = "u", "s" }, "sent in clear"},
		{"username without secret", func(e *hostopcua.EndpointConfig) {
			e.SecurityPolicy, e.CertFile, e.KeyFile, e.TrustDir, e.Username = "Basic256Sha256", "c", "k", "t", "u"
		}, "go together"},
		{"bad node id", func(e *hostopcua.EndpointConfig) {
			e.Aliases = []hostopcua.AliasConfig{{Name: "a", NodeID: "ns=x;q=1", AssetID: "A"}}
		}, "not a node id"},
		{"threshold without bounds", func(e *hostopcua.EndpointConfig) {
			e.Aliases = []hostopcua.AliasConfig{{Name: "a", NodeID: "ns=2;s=X", AssetID: "A", Threshold: &hostopcua.ThresholdConfig{}}}
		}, "needs high, low"},
		{"low above high", func(e *hostopcua.EndpointConfig) {
			lo := 5.0
			e.Aliases = []hostopcua.AliasConfig{{Name: "a", NodeID: "ns=2;s=X", AssetID: "A", Threshold: &hostopcua.ThresholdConfig{High: &hi, Low: &lo}}}
		}, "must be below high"},
		{"bad severity", func(e *hostopcua.EndpointConfig) {
			e.Aliases = []hostopcua.AliasConfig{{Name: "a", NodeID: "ns=2;s=X", AssetID: "A", Threshold: &hostopcua.ThresholdConfig{High: &hi, Severity: "doom"}}}
		}, "invalid severity"},
		{"duplicate alias", func(e *hostopcua.EndpointConfig) {
			e.Aliases = []hostopcua.AliasConfig{{Name: "a", NodeID: "ns=2;s=X", AssetID: "A"}, {Name: "A", NodeID: "ns=2;s=Y", AssetID: "A"}}
		}, "defined twice"},
		{"negative interval", func(e *hostopcua.EndpointConfig) { e.PublishingIntervalMS = -1 }, "must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := base()
			tc.mod(&e)
			c := hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{e}}
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	dup := hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{base(), base()}}
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "duplicate endpoint name") {
		t.Errorf("duplicate endpoints: %v", err)
	}
	if _, err := hostopcua.NewManager(hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{{Name: "x", URL: "bad"}}}, hostopcua.Options{}); err == nil {
		t.Error("NewManager accepted an invalid config")
	}
}

// TestOperatorsDocCoversOPCUAKeys keeps docs/operators.md in step with the
// [[opcua.endpoint]] keys this package decodes.
func TestOperatorsDocCoversOPCUAKeys(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "operators.md"))
	if err != nil {
		t.Fatal(err)
	}
	keys := config.KeysOf("opcua", hostopcua.Config{})
	if len(keys) < 20 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/operators.md does not document `%s`", k)
		}
	}
}
