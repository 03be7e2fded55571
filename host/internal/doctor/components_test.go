package doctor

import (
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/testplugin"
)

// A module that imports extism's built-in HTTP (and a host function
// outside the ABI) is refused by the loader; doctor reports it as high.
func TestPluginFindingsHostileModule(t *testing.T) {
	wasm := testplugin.Build(t, "host/internal/pluginload/testdata/badimport")
	fs := pluginFindings(config.Plugin{Name: "bad", Path: "bad.wasm"}, wasm, "/etc/machina/machina.toml")
	if !find(fs, "plugin-audit", High) {
		t.Fatalf("no high plugin-audit finding: %+v", fs)
	}
	for _, f := range fs {
		if strings.Contains(f.Message, "sha256") {
			t.Errorf("pins are doctor's own check, not the audit's: %+v", f)
		}
		// A fix hint is a command that runs as printed (issue #20: it
		// printed --config without a value).
		if strings.Contains(f.Fix, "plugin audit") && !strings.Contains(f.Fix, "machina plugin audit bad.wasm --config /etc/machina/machina.toml`") {
			t.Errorf("fix hint %q does not name the module and the configuration", f.Fix)
		}
	}
	if got := auditCommand("/opt/my plugins/x.wasm", ""); got != "machina plugin audit '/opt/my plugins/x.wasm'" {
		t.Errorf("auditCommand without a configuration = %q", got)
	}
	if fs := pluginFindings(config.Plugin{Name: "x"}, []byte("not wasm"), ""); !find(fs, "plugin-audit", High) {
		t.Fatalf("unreadable module: %+v", fs)
	}
}

// OPC-UA security None: medium on loopback, high towards any other host;
// a table the OPC-UA client would refuse is high.
func TestOPCUAFindings(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, endpoint string
		check          string
		sev            Severity
	}{
		{"none on loopback", `url = "opc.tcp://127.0.0.1:4840"`, "opcua-security", Medium},
		{"none remote", `url = "opc.tcp://plc.plant.example:4840"`, "opcua-security", High},
		{"none explicit remote", `url = "opc.tcp://10.0.0.7:4840"` + "\nsecurity_policy = \"None\"", "opcua-security", High},
		{"invalid", `url = "http://not-opc"`, "opcua", High},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := load(t, dir, "[[opcua.endpoint]]\nname = \"plant\"\n"+c.endpoint+"\n", nil)
			if fs := opcuaFindings(cfg); !find(fs, c.check, c.sev) {
				t.Fatalf("want %s %s: %+v", c.sev, c.check, fs)
			}
		})
	}
	if fs := opcuaFindings(load(t, dir, "", nil)); len(fs) != 0 {
		t.Fatalf("no endpoints, findings %+v", fs)
	}
}
