package doctor

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/machina-go/machina/host/internal/audit"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/opcua"
	"github.com/machina-go/machina/host/internal/sensor"
)

// pluginFindings maps the static audit of one module to doctor findings;
// cfgPath is the configuration the fix hint's audit command names.
func pluginFindings(p config.Plugin, wasm []byte, cfgPath string) []Finding {
	rep, err := audit.Audit(wasm, audit.Options{File: p.Path, Plugin: &p})
	if err != nil {
		return []Finding{{Severity: High, Check: "plugin-audit", Message: fmt.Sprintf("plugin %s: %v", p.Name, err),
			Fix: "rebuild it with `machina plugin build`"}}
	}
	var out []Finding
	for _, f := range rep.Findings {
		sev := Severity(f.Severity)
		if sev == Info || f.Code == "sha256_mismatch" || f.Code == "unpinned" {
			continue // pins are checked by doctor itself; info is noise here
		}
		out = append(out, Finding{Severity: sev, Check: "plugin-audit",
			Message: fmt.Sprintf("plugin %s: %s", p.Name, f.Message), Fix: "see `" + auditCommand(p.Path, cfgPath) + "`"})
	}
	return out
}

// opcuaFindings checks the [[opcua.endpoint]] tables: invalid settings are
// high; security None is medium (high when the server is not on loopback).
func opcuaFindings(cfg *config.Config) []Finding {
	var oc opcua.Config
	if err := cfg.Decode(cfg.OPCUA, &oc); err != nil {
		return []Finding{{Severity: High, Check: "opcua", Message: "[opcua]: " + err.Error(), Fix: "fix the [opcua] section"}}
	}
	if len(oc.Endpoints) == 0 {
		return nil
	}
	var out []Finding
	if err := oc.Validate(); err != nil {
		out = append(out, Finding{Severity: High, Check: "opcua", Message: err.Error(), Fix: "fix the [[opcua.endpoint]] tables"})
	}
	for _, ep := range oc.Endpoints {
		if ep.SecurityPolicy != "" && !strings.EqualFold(ep.SecurityPolicy, "None") {
			continue
		}
		sev := Medium
		if u, err := url.Parse(ep.URL); err == nil && !sensor.LoopbackHost(u.Hostname()) {
			sev = High
		}
		out = append(out, Finding{Severity: sev, Check: "opcua-security",
			Message: fmt.Sprintf("OPC-UA endpoint %s uses security None: readings are neither signed nor encrypted and the server is not authenticated", ep.Name),
			Fix:     "set security_policy = \"Basic256Sha256\", security_mode = \"SignAndEncrypt\", a client certificate (machina opcua gen-cert) and trust_dir"})
	}
	return out
}

// auditCommand is the `machina plugin audit` command line for a module,
// with --config when the configuration's file is known.
func auditCommand(module, cfgPath string) string {
	cmd := "machina plugin audit " + quoteArg(module)
	if cfgPath != "" {
		cmd += " --config " + quoteArg(cfgPath)
	}
	return cmd
}

// quoteArg single-quotes s for a POSIX shell when it holds anything but
// the characters of ordinary paths.
func quoteArg(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
