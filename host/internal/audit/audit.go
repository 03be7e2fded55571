package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/manifest"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginsig"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
)

// Severity ranks a finding. A high finding means the loader refuses the
// module.
type Severity string

// Severities, lowest first.
const (
	Info   Severity = "info"
	Low    Severity = "low"
	Medium Severity = "medium"
	High   Severity = "high"
)

func (s Severity) rank() int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	}
	return 0
}

// Finding is one observation about a module. Messages name imports, keys,
// origins and secret names — never secret values.
type Finding struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

// Operation is one exported operation with its class from the ABI table.
type Operation struct {
	Name       abi.OpName     `json:"name"`
	Class      abi.Class      `json:"class"`
	Capability abi.Capability `json:"capability,omitempty"`
}

// Descriptor is the descriptor derived statically from the manifest and
// the exports.
type Descriptor struct {
	Source       string           `json:"source"`
	ABI          string           `json:"abi"`
	Name         string           `json:"name"`
	Version      string           `json:"version"`
	Kind         abi.Kind         `json:"kind"`
	Operations   []Operation      `json:"operations"`
	Capabilities []abi.Capability `json:"capabilities"`
}

// Signature is the module's signature status.
type Signature struct {
	Status pluginsig.Status `json:"status"`
	KeyID  string           `json:"key_id,omitempty"`
	Error  string           `json:"error,omitempty"`
}

// Requested is what the manifest asks for.
type Requested struct {
	HTTP []wire.OriginRequest `json:"http"`
	Mail bool                 `json:"mail"`
	KV   *wire.KVRequest      `json:"kv,omitempty"`
}

// Report is the audit of one module.
type Report struct {
	File        string                    `json:"file,omitempty"`
	Name        string                    `json:"name"`
	Version     string                    `json:"version"`
	ABI         string                    `json:"abi"`
	Kind        abi.Kind                  `json:"kind"`
	Description string                    `json:"description,omitempty"`
	SHA256      string                    `json:"sha256"`
	Size        int                       `json:"size"`
	Signature   Signature                 `json:"signature"`
	Manifest    wire.Manifest             `json:"manifest"`
	Descriptor  Descriptor                `json:"descriptor"`
	Imports     []plugin.ClassifiedImport `json:"imports"`
	Exports     []string                  `json:"exports"`
	Requested   Requested                 `json:"requested"`
	// Granted is the effective policy (request ∩ grant) when the audit was
	// given the operator's [[plugin]] entry.
	Granted    *policy.Policy    `json:"granted,omitempty"`
	Mismatches []policy.Mismatch `json:"mismatches,omitempty"`
	Findings   []Finding         `json:"findings"`
}

// Options adds the operator's view to an audit.
type Options struct {
	// File is the module's path, for the report.
	File string
	// Plugin is the operator's [[plugin]] entry: sha256 pin, public key,
	// config and grant. Nil audits the module alone.
	Plugin *config.Plugin
}

// Max returns the highest severity among the findings (Info when none).
func (r *Report) Max() Severity {
	m := Info
	for _, f := range r.Findings {
		if f.Severity.rank() > m.rank() {
			m = f.Severity
		}
	}
	return m
}

// High returns the high findings: the reasons the loader refuses the module.
func (r *Report) High() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == High {
			out = append(out, f)
		}
	}
	return out
}

// Audit inspects a module. It fails only when the bytes are not a wasm
// module or carry no valid manifest; everything else is a finding.
func Audit(wasm []byte, opts Options) (*Report, error) {
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return nil, err
	}
	m, _, err := manifest.FromModule(mod)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(wasm)
	r := &Report{
		File: opts.File, Name: m.Name, Version: m.Version, ABI: m.ABI, Kind: m.Kind, Description: m.Description,
		SHA256: hex.EncodeToString(sum[:]), Size: len(wasm), Manifest: m,
		Imports:   plugin.ClassifyImports(mod.Imports),
		Exports:   mod.ExportedFunctions(),
		Requested: Requested{HTTP: m.HTTP, Mail: m.Mail, KV: m.KV},
	}
	if r.Requested.HTTP == nil {
		r.Requested.HTTP = []wire.OriginRequest{}
	}
	sort.Strings(r.Exports)
	add := func(s Severity, code, f string, a ...any) {
		r.Findings = append(r.Findings, Finding{Severity: s, Code: code, Message: fmt.Sprintf(f, a...)})
	}
	r.auditImports(add)
	r.auditExports(add)
	r.auditRequests(add)
	r.auditSignature(wasm, mod, opts.Plugin, add)
	if p := opts.Plugin; p != nil {
		r.auditOperator(p, add)
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Severity.rank() > r.Findings[j].Severity.rank() })
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return r, nil
}

type addFunc func(s Severity, code, f string, a ...any)

func (r *Report) auditImports(add addFunc) {
	fs := 0
	for _, imp := range r.Imports {
		switch {
		case imp.Verdict == plugin.VerdictForbidden && imp.Module == "extism:host/env" && strings.HasPrefix(imp.Name, "http_"):
			add(High, "import_forbidden", "imports %s: extism's built-in HTTP (follows redirects anywhere, ignores ports, uses proxies); the loader refuses this module", imp.Import)
		case imp.Verdict == plugin.VerdictForbidden:
			add(High, "import_forbidden", "imports %s, which is outside the ABI v1 allow-list; the loader refuses this module", imp.Import)
		case imp.Module == "wasi_snapshot_preview1" && (strings.HasPrefix(imp.Name, "path_") || imp.Name == "fd_readdir"):
			fs++
		}
	}
	if fs > 0 {
		add(Info, "wasi_filesystem", "links %d WASI filesystem functions (harmless: no directory is preopened, file calls fail)", fs)
	}
}

// descriptorSource says where the audit's operations come from.
const descriptorSource = "static: the module's exports (the loader refuses a module whose exports differ from what machina_describe lists, so nothing is executed to know them)"

// auditExports derives the descriptor from the exports: a module exports
// exactly the operations it implements (the loader checks it).
func (r *Report) auditExports(add addFunc) {
	has := map[string]bool{}
	for _, e := range r.Exports {
		has[e] = true
	}
	for _, e := range []string{wire.ExportDescribe, wire.ExportInit, string(abi.OpHealth)} {
		if !has[e] {
			add(High, "export_missing", "does not export %s (mandatory); the loader refuses this module", e)
		}
	}
	d := Descriptor{Source: descriptorSource, ABI: r.ABI, Name: r.Name, Version: r.Version, Kind: r.Kind, Operations: []Operation{}}
	var ops []abi.OpName
	var writes, wrongKind []string
	for _, e := range r.Exports {
		switch e {
		case wire.ExportDescribe, wire.ExportInit, "_initialize", "_start":
			continue
		}
		op, ok := abi.LookupOperation(abi.OpName(e))
		switch {
		case !ok:
			add(Low, "export_unknown", "exports %s, which is not an ABI operation; the host never calls it", e)
		case !op.ForKind(r.Kind):
			wrongKind = append(wrongKind, e)
		}
	}
	for _, op := range abi.Operations() { // in the table's order
		if !has[string(op.Name)] || !op.ForKind(r.Kind) {
			continue
		}
		d.Operations = append(d.Operations, Operation{Name: op.Name, Class: op.Class, Capability: op.Capability})
		ops = append(ops, op.Name)
		if op.Class == abi.ClassWrite {
			writes = append(writes, string(op.Name))
		}
	}
	if len(wrongKind) > 0 {
		add(High, "export_wrong_kind", "exports %s, not defined for %s plugins; machina_describe cannot list them, so the loader refuses this module", strings.Join(wrongKind, ", "), r.Kind)
	}
	d.Capabilities = abi.CapabilitiesOf(ops)
	if d.Capabilities == nil {
		d.Capabilities = []abi.Capability{}
	}
	r.Descriptor = d
	if len(writes) > 0 {
		add(Info, "write_operations", "serves write operations (%s); sandbox mode never lets them reach the plugin", strings.Join(writes, ", "))
	}
}

func (r *Report) auditRequests(add addFunc) {
	for _, o := range r.Requested.HTTP {
		p, err := wire.ParseOriginPattern(o.Pattern)
		if err != nil {
			continue
		}
		if strings.HasPrefix(p.Host, "*.") {
			add(Low, "origin_wildcard", "requests any subdomain of %s (%s)", p.Host[2:], o.Pattern)
		}
		if p.Port == "*" {
			add(Low, "origin_any_port", "requests any port on %s (%s)", p.Host, o.Pattern)
		}
		if p.Scheme == "http" && !isLoopback(p.Host) {
			add(Low, "origin_plaintext", "requests plaintext http to %s; credentials attached there travel unencrypted", p.Host)
		}
		if len(o.Secrets) > 0 {
			add(Info, "placeholder_secrets", "wants to place secrets %v in requests to %s via {{secret:NAME}}", o.Secrets, o.Pattern)
		}
		auditRules(add, o)
	}
	if r.Requested.Mail {
		add(Info, "mail_requested", "requests mail (mail_send/mail_fetch)")
	}
}

// auditRules reports an origin's declared writes and the rules that are
// broader than a reviewer would expect.
func auditRules(add addFunc, o wire.OriginRequest) {
	reads, writes, err := o.Rules()
	if err != nil {
		return // manifest validation rejects these earlier
	}
	if len(writes) > 0 {
		add(Info, "http_writes", "writes to %s with %s (only while a write operation runs, never in sandbox mode)", o.Pattern, ruleList(writes))
	}
	for _, r := range reads {
		for _, m := range r.Methods {
			if !wire.SafeMethod(m) {
				add(Low, "read_unsafe_method", "declares %s on %s a read although %s may change state; outside sandbox mode every operation may send it (sandbox mode still refuses it)", r, o.Pattern, m)
				break
			}
		}
	}
	for _, r := range append(reads, writes...) {
		if r.Path == "/**" {
			add(Low, "request_any_path", "declares %s on %s: any path", r, o.Pattern)
		}
	}
}

func ruleList(rs []wire.RequestRule) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func (r *Report) auditSignature(wasm []byte, mod *wasmfile.Module, p *config.Plugin, add addFunc) {
	sig, err := pluginsig.FromModule(mod)
	switch {
	case err != nil:
		r.Signature = Signature{Status: pluginsig.StatusInvalid, Error: err.Error()}
	case sig == nil:
		r.Signature = Signature{Status: pluginsig.StatusUnsigned}
	default:
		r.Signature = Signature{Status: pluginsig.StatusUnverified, KeyID: sig.KeyID}
	}
	if p == nil || p.PublicKey == "" {
		if r.Signature.Status == pluginsig.StatusInvalid {
			add(Medium, "signature_malformed", "the signature section is malformed: %s", r.Signature.Error)
		}
		return
	}
	pub, err := pluginsig.ParsePublicKey(p.PublicKey)
	if err != nil {
		r.Signature = Signature{Status: pluginsig.StatusInvalid, Error: "configured " + err.Error()}
		add(High, "signature_key_invalid", "the configured public_key is invalid: %v", err)
		return
	}
	s, err := pluginsig.Verify(wasm, pub)
	switch {
	case err == pluginsig.ErrUnsigned:
		add(High, "signature_missing", "a public_key is configured but the module is not signed")
	case err != nil:
		r.Signature = Signature{Status: pluginsig.StatusInvalid, Error: err.Error()}
		if s != nil {
			r.Signature.KeyID = s.KeyID
		}
		add(High, "signature_invalid", "bad signature: %v", err)
	default:
		r.Signature = Signature{Status: pluginsig.StatusValid, KeyID: s.KeyID}
	}
}

func (r *Report) auditOperator(p *config.Plugin, add addFunc) {
	if p.Name != "" && p.Name != r.Name {
		add(High, "name_mismatch", "the configuration names this plugin %q but its manifest says %q", p.Name, r.Name)
	}
	switch {
	case p.SHA256 != "" && !strings.EqualFold(p.SHA256, r.SHA256):
		add(High, "sha256_mismatch", "sha256 mismatch: module is %s, configuration pins %s", r.SHA256, strings.ToLower(p.SHA256))
	case p.SHA256 == "":
		add(Medium, "unpinned", "the configuration does not pin the module's sha256 (allow_unpinned)")
	}
	for _, k := range SecretLookingKeys(p.Config) {
		add(High, "config_secret_key", "plugin config key %q looks like a secret; plugin config is visible to the plugin — bind credentials with an auth profile or a granted {{secret:NAME}} instead", k)
	}
	pol, mism := policy.Resolve(r.Manifest, p.Grant)
	r.Granted = &pol
	r.Mismatches = mism
	for _, mm := range mism {
		sev := Low
		switch mm.Kind {
		case policy.RequestNotGranted:
			sev = Info
		case policy.AuthNotAccepted, policy.InvalidGrant:
			sev = Medium
		}
		add(sev, string(mm.Kind), "%s", mm.Message)
	}
	for _, o := range pol.Origins {
		if o.AllowPrivate {
			add(Info, "allow_private", "origin %s may reach loopback/private addresses (allow_private)", o)
		}
	}
	if p.Disabled {
		add(Info, "disabled", "the plugin is disabled in the configuration")
	}
}

// SecretLookingKeys returns the dotted paths of keys in a plugin config
// (recursively, through nested tables and arrays of tables) whose names
// look like secrets (secrets.LooksSecretKey: password, token, secret,
// api_key, apikey, authorization, …).
func SecretLookingKeys(cfg map[string]any) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, vv := range t {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				if secrets.LooksSecretKey(k) {
					out = append(out, p)
				}
				walk(p, vv)
			}
		case []map[string]any:
			for i, vv := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i), vv)
			}
		case []any:
			for i, vv := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i), vv)
			}
		}
	}
	walk("", cfg)
	sort.Strings(out)
	return out
}
