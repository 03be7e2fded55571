package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/opcuacert"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

// TestOPCUACheck runs `machina opcua check` against the plant simulator
// with user name authentication: the password comes from [secrets]
// through the host's assembly, and a wrong one fails the check.
func TestOPCUACheck(t *testing.T) {
	const password = "opc-pw-2718"
	sim, err := simopcua.Start(context.Background(), simopcua.Options{Addr: "127.0.0.1:0", Tick: -1, DisableNone: true,
		Security: []simopcua.Security{{Policy: "Basic256Sha256", Mode: "SignAndEncrypt"}},
		Users:    map[string]string{"operator": password}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.SetValue("ns=2;s=P-101.Temperature", 71.5); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Relative paths in machina.toml start from its directory.
	if _, _, err := opcuacert.WriteCertificate(filepath.Join(dir, "pki"), "client", opcuacert.CertOptions{Hosts: []string{"localhost", "127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "trusted"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "trusted", "server.pem"), sim.CertificatePEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "machina.toml")
	cfg := `
[secrets]
opc = "env:OPC_TEST_PASSWORD"
[[opcua.endpoint]]
name = "plant"
url = "` + sim.URL() + `"
security_policy = "Basic256Sha256"
security_mode = "SignAndEncrypt"
cert_file = "pki/client.pem"
key_file = "pki/client.key"
trust_dir = "trusted"
username = "operator"
password_secret = "opc"
request_timeout_ms = 2000
reconnect_max_ms = 1000
[[opcua.endpoint.alias]]
name = "p-101.temperature"
node_id = "ns=2;s=P-101.Temperature"
asset_id = "P-101"
unit = "degC"
`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(pw string, args ...string) (int, string, string) {
		code, out, errb := runCLI(t, map[string]string{"OPC_TEST_PASSWORD": pw}, append([]string{"opcua", "check", "--config", cfgPath}, args...)...)
		if strings.Contains(out+errb, password) {
			t.Fatal("opcua check printed the password")
		}
		return code, out, errb
	}
	code, out, errs := check(password, "--json")
	var res []checkResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res) != 1 {
		t.Fatalf("exit %d, %v\n%s\n%s", code, err, out, errs)
	}
	if r := res[0]; r.Health.Name != "plant" || len(r.Readings) != 1 || r.Readings[0].Value != 71.5 {
		t.Fatalf("result %+v", r)
	}
	if code, _, errs := check(password, "--endpoint", "nope"); code != 2 || !strings.Contains(errs, `no endpoint named "nope"`) {
		t.Fatalf("--endpoint nope: exit %d, %s", code, errs)
	}
	if code, out, _ := check("wrong-password", "--timeout", "3s"); code != 1 || !strings.Contains(out, "error:") {
		t.Fatalf("wrong password: exit %d\n%s", code, out)
	}
}
