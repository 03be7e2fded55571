package cli

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/machina-go/machina/host/internal/audit"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/doctor"
	"github.com/machina-go/machina/host/internal/opcua"
)

// doctorOptions wires component-specific checks into doctor: the static
// audit of every configured plugin, and the OPC-UA endpoints.
func doctorOptions(c *cli) doctor.Options {
	return doctor.Options{
		Getenv:         c.getenv,
		PluginFindings: pluginFindings,
		Extra:          []func(*config.Config) []doctor.Finding{opcuaFindings, mqttFindings},
	}
}

// pluginFindings maps the static audit of one module to doctor findings.
func pluginFindings(p config.Plugin, wasm []byte) []doctor.Finding {
	rep, err := audit.Audit(wasm, audit.Options{File: p.Path, Plugin: &p})
	if err != nil {
		return []doctor.Finding{{Severity: doctor.High, Check: "plugin-audit", Message: fmt.Sprintf("plugin %s: %v", p.Name, err),
			Fix: "rebuild it with `machina plugin build`"}}
	}
	var out []doctor.Finding
	for _, f := range rep.Findings {
		sev := doctor.Severity(f.Severity)
		if sev == doctor.Info || f.Code == "sha256_mismatch" || f.Code == "unpinned" {
			continue // pins are checked by doctor itself; info is noise here
		}
		out = append(out, doctor.Finding{Severity: sev, Check: "plugin-audit",
			Message: fmt.Sprintf("plugin %s: %s", p.Name, f.Message), Fix: "see `machina plugin audit " + p.Path + " --config`"})
	}
	return out
}

// opcuaFindings checks the [[opcua.endpoint]] tables: invalid settings are
// high; security None is medium (high when the server is not on loopback).
func opcuaFindings(cfg *config.Config) []doctor.Finding {
	var oc opcua.Config
	if err := cfg.Decode(cfg.OPCUA, &oc); err != nil {
		return []doctor.Finding{{Severity: doctor.High, Check: "opcua", Message: "[opcua]: " + err.Error(), Fix: "fix the [opcua] section"}}
	}
	if len(oc.Endpoints) == 0 {
		return nil
	}
	var out []doctor.Finding
	if err := oc.Validate(); err != nil {
		out = append(out, doctor.Finding{Severity: doctor.High, Check: "opcua", Message: err.Error(), Fix: "fix the [[opcua.endpoint]] tables"})
	}
	for _, ep := range oc.Endpoints {
		if ep.SecurityPolicy != "" && !strings.EqualFold(ep.SecurityPolicy, "None") {
			continue
		}
		sev := doctor.Medium
		if u, err := url.Parse(ep.URL); err == nil {
			if ip := net.ParseIP(u.Hostname()); !(u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())) {
				sev = doctor.High
			}
		}
		out = append(out, doctor.Finding{Severity: sev, Check: "opcua-security",
			Message: fmt.Sprintf("OPC-UA endpoint %s uses security None: readings are neither signed nor encrypted and the server is not authenticated", ep.Name),
			Fix:     "set security_policy = \"Basic256Sha256\", security_mode = \"SignAndEncrypt\", a client certificate (machina opcua gen-cert) and trust_dir"})
	}
	return out
}
