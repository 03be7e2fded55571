// Package doctor checks a Machina deployment for security problems: network
// exposure, TLS, MCP tokens, sandbox state, secret and trace file
// permissions, plugin pins and signatures, and insecure OPC-UA endpoints. It
// reads configuration and files; it never starts a server, loads a plugin
// into the runtime or reads a secret's value.
package doctor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"

	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/sensor"
)

// Severity ranks a finding.
type Severity string

// Severities, most serious first.
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
	Info   Severity = "info"
)

var rank = map[Severity]int{High: 0, Medium: 1, Low: 2, Info: 3}

// Finding is one problem and how to fix it.
type Finding struct {
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix,omitempty"`
}

// Options supplies what the checks need besides the configuration.
type Options struct {
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// ConfigPath is the checked file, for the commands fix hints print
	// ("" leaves --config out of them).
	ConfigPath string
}

// Run checks cfg and returns findings sorted by severity.
func Run(cfg *config.Config, opts Options) []Finding {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	var out []Finding
	out = append(out, transportFindings(cfg, opts.Getenv)...)
	if !cfg.Sandbox {
		out = append(out, Finding{Severity: Low, Check: "sandbox", Message: "sandbox mode is off: write operations reach the CMMS and messages are sent",
			Fix: "start new deployments with MACHINA_SANDBOX_MODE=true (or sandbox = true) until validated"})
	}
	out = append(out, secretFindings(cfg, opts.Getenv)...)
	out = append(out, traceFindings(cfg)...)
	for _, p := range cfg.Plugins {
		if !p.Disabled {
			out = append(out, pluginPinFindings(p, opts.ConfigPath)...)
		}
	}
	out = append(out, opcuaFindings(cfg)...)
	out = append(out, mqttFindings(cfg)...)
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Severity] < rank[out[j].Severity] })
	return out
}

// findings collects findings.
type findings []Finding

func (fs *findings) add(s Severity, check, msg, fix string) {
	*fs = append(*fs, Finding{Severity: s, Check: check, Message: msg, Fix: fix})
}

// transportFindings checks the MCP transport, bind address, TLS and
// tokens.
func transportFindings(cfg *config.Config, getenv func(string) string) []Finding {
	var out findings
	tls := cfg.MCP.TLSCert != "" && cfg.MCP.TLSKey != ""
	if cfg.MCP.Transport == "stdio" {
		out.add(Info, "transport", "stdio transport: single local user, no authentication",
			"use transport = \"http\" with tokens for multi-user or server deployments")
		return out
	}
	host, _, err := net.SplitHostPort(cfg.MCP.Listen)
	if err != nil {
		out.add(High, "bind", fmt.Sprintf("mcp.listen %q is not host:port", cfg.MCP.Listen), "set mcp.listen = \"127.0.0.1:8000\"")
	} else if !sensor.LoopbackHost(host) {
		if tls {
			out.add(Medium, "bind", fmt.Sprintf("MCP listens on %s, reachable from the network", cfg.MCP.Listen),
				"restrict access with a firewall to known MCP clients")
		} else {
			out.add(High, "bind", fmt.Sprintf("MCP listens on %s without TLS: bearer tokens travel in clear text", cfg.MCP.Listen),
				"bind to 127.0.0.1 behind a TLS reverse proxy, or set mcp.tls_cert and mcp.tls_key")
		}
	}
	if tls {
		for _, f := range []string{cfg.MCP.TLSCert, cfg.MCP.TLSKey} {
			if _, err := os.Stat(f); err != nil {
				out.add(High, "tls", fmt.Sprintf("TLS file %s: %v", f, err), "fix the path in [mcp]")
			}
		}
		if fnd, bad := secrets.CheckFileMode(cfg.MCP.TLSKey); bad {
			out.add(High, "tls", fnd.Message, "chmod 600 "+cfg.MCP.TLSKey)
		}
	}
	return append(out, tokenFindings(cfg, getenv)...)
}

// secretFindings checks the [secrets] references: file modes and missing
// files or variables.
func secretFindings(cfg *config.Config, getenv func(string) string) []Finding {
	var out findings
	for name, ref := range cfg.Secrets {
		if p, ok := strings.CutPrefix(ref, "file:"); ok {
			if fnd, bad := secrets.CheckFileMode(p); bad {
				out.add(fileSeverity(p), "secret-file", fmt.Sprintf("secret %s: %s", name, fnd.Message), "chmod 600 "+p)
			} else if _, err := os.Stat(p); err != nil {
				out.add(Medium, "secret-file", fmt.Sprintf("secret %s: file %s is missing", name, p), "create it with mode 0600")
			}
		}
		if envName, ok := strings.CutPrefix(ref, "env:"); ok && getenv(envName) == "" {
			out.add(Medium, "secret-env", fmt.Sprintf("secret %s: environment variable %s is not set", name, envName),
				"set it in the service's 0600 environment file or use a systemd credential")
		}
	}
	return out
}

// traceFindings checks that tracing is on and its directory is private.
func traceFindings(cfg *config.Config) []Finding {
	var out findings
	if cfg.Trace.Disabled {
		out.add(Medium, "trace", "tracing is disabled: tool calls and plugin traffic leave no audit trail", "remove trace.disabled")
		return out
	}
	if fi, err := os.Stat(cfg.Trace.Dir); err == nil {
		if m := fi.Mode().Perm(); m&0o007 != 0 {
			out.add(High, "trace-dir", fmt.Sprintf("trace directory %s is accessible to others (mode %04o)", cfg.Trace.Dir, m), "chmod 750 "+cfg.Trace.Dir)
		} else if m&0o020 != 0 {
			out.add(Medium, "trace-dir", fmt.Sprintf("trace directory %s is group-writable (mode %04o)", cfg.Trace.Dir, m), "chmod 750 "+cfg.Trace.Dir)
		}
	}
	return out
}

// pluginPinFindings checks one enabled plugin: readable module, sha256
// pin, signing key, and its static audit.
func pluginPinFindings(p config.Plugin, cfgPath string) []Finding {
	var out findings
	wasm, err := os.ReadFile(p.Path)
	if err != nil {
		// A missing module is an availability problem (the server starts
		// without it), not an exposure.
		out.add(Medium, "plugin", fmt.Sprintf("plugin %s: module %s cannot be read", p.Name, p.Path), "install the module or fix plugin.path")
		return out
	}
	sum := sha256.Sum256(wasm)
	got := hex.EncodeToString(sum[:])
	switch {
	case p.SHA256 == "":
		out.add(Medium, "plugin-pin", fmt.Sprintf("plugin %s is not pinned (sha256 %s)", p.Name, got),
			fmt.Sprintf("set sha256 = %q after auditing it with `machina plugin audit`", got))
	case !strings.EqualFold(p.SHA256, got):
		out.add(High, "plugin-pin", fmt.Sprintf("plugin %s: module sha256 %s does not match the pin %s", p.Name, got, p.SHA256),
			"audit the new module with `machina plugin audit` and `machina plugin diff`, then update the pin")
	}
	if p.PublicKey == "" {
		out.add(Low, "plugin-signature", fmt.Sprintf("plugin %s: no public_key configured, so its signature is not checked", p.Name),
			"ask the vendor for their ed25519 public key and set public_key")
	}
	return append(out, pluginFindings(p, wasm, cfgPath)...)
}

// StartupFinding is the high finding for a configuration the host refuses
// to start with (err from the host's assembly: [secrets], [agent], …).
func StartupFinding(err error) Finding {
	return Finding{Severity: High, Check: "startup", Message: "machina serve would refuse to start: " + err.Error(),
		Fix: "fix the section the message names (see docs/operators.md)"}
}

func tokenFindings(cfg *config.Config, getenv func(string) string) []Finding {
	var out []Finding
	jsonTokens := getenv("MACHINA_MCP_TOKENS_JSON")
	legacy := getenv("MACHINA_MCP_TOKENS")
	if legacy != "" {
		out = append(out, Finding{Medium, "tokens", "legacy MACHINA_MCP_TOKENS is set: every client is 'machina-unattributed' in traces",
			"move to MACHINA_MCP_TOKENS_JSON (token -> client id), one token per client"})
	}
	if cfg.MCP.TokensFile != "" {
		if fnd, bad := secrets.CheckFileMode(cfg.MCP.TokensFile); bad {
			out = append(out, Finding{fileSeverity(cfg.MCP.TokensFile), "tokens", fnd.Message, "chmod 600 " + cfg.MCP.TokensFile})
		}
		if _, err := os.Stat(cfg.MCP.TokensFile); err != nil {
			out = append(out, Finding{High, "tokens", fmt.Sprintf("tokens file %s is missing", cfg.MCP.TokensFile), "create it (0600)"})
		}
	}
	if jsonTokens == "" && legacy == "" && cfg.MCP.TokensFile == "" {
		out = append(out, Finding{High, "tokens", "HTTP transport without tokens: the server refuses to start",
			"set MACHINA_MCP_TOKENS_JSON or mcp.tokens_file; generate tokens with `openssl rand -hex 32`"})
	}
	return out
}

// fileSeverity is high for a file others can read or write, medium when
// only the group can.
func fileSeverity(path string) Severity {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o006 != 0 {
		return High
	}
	return Medium
}

// HasHigh reports whether any finding is high.
func HasHigh(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == High {
			return true
		}
	}
	return false
}

// Print writes findings for humans.
func Print(w io.Writer, fs []Finding) {
	if len(fs) == 0 {
		fmt.Fprintln(w, "no findings")
		return
	}
	for _, f := range fs {
		fmt.Fprintf(w, "[%-6s] %-16s %s\n", strings.ToUpper(string(f.Severity)), f.Check, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(w, "         %-16s fix: %s\n", "", f.Fix)
		}
	}
}
