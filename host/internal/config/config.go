package config

import (
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/machina-go/machina/internal/wire"
)

// Config is machina.toml.
type Config struct {
	// Name and Plant describe the installation (used in prompts and health).
	Name  string `toml:"name"`
	Plant Plant  `toml:"plant"`
	// Sandbox blocks every write operation before it reaches a plugin.
	Sandbox bool `toml:"sandbox"`
	// DataDir holds persistent state: plugin KV, document store, compilation
	// cache (default ./data).
	DataDir string `toml:"data_dir"`

	Secrets map[string]string `toml:"secrets"`
	Log     Log               `toml:"log"`
	Trace   Trace             `toml:"trace"`
	MCP     MCP               `toml:"mcp"`
	Metrics Metrics           `toml:"metrics"`
	Plugins []Plugin          `toml:"plugin"`
	// OPCUA, MQTT, Docstore and Agent are decoded by their own packages
	// from the raw tables (see Raw), so this package does not depend on them.
	OPCUA    toml.Primitive `toml:"opcua"`
	MQTT     toml.Primitive `toml:"mqtt"`
	Docstore toml.Primitive `toml:"docstore"`
	Agent    toml.Primitive `toml:"agent"`

	md  toml.MetaData
	dir string
}

// Plant is the plant context shown to the agent.
type Plant struct {
	Name     string `toml:"name"`
	Location string `toml:"location"`
}

// Log configures logging.
type Log struct {
	Level string `toml:"level"` // trace, debug, info (default), warn, error
	JSON  bool   `toml:"json"`
}

// Trace configures the JSONL tracer.
type Trace struct {
	Dir          string `toml:"dir"` // default ./traces, or MACHINA_TRACE_DIR
	Disabled     bool   `toml:"disabled"`
	MaxFileBytes int64  `toml:"max_file_bytes"`
	Retain       int    `toml:"retain"`
	HashChain    bool   `toml:"hash_chain"`
	Fsync        string `toml:"fsync"` // never | every | <duration>
}

// MCP configures the MCP server.
type MCP struct {
	Transport string `toml:"transport"` // stdio (default) | http
	Listen    string `toml:"listen"`    // default 127.0.0.1:8000
	TLSCert   string `toml:"tls_cert"`
	TLSKey    string `toml:"tls_key"`
	// TokensFile is a JSON file {"<token>": "<client id>"} or
	// {"<token>": {"client_id": "...", "scope": "read"|"write"}}.
	TokensFile     string   `toml:"tokens_file"`
	AllowedOrigins []string `toml:"allowed_origins"`
	AllowedHosts   []string `toml:"allowed_hosts"`
	// ConfirmWrites makes write tools ask the user to confirm through MCP
	// elicitation when the client supports it (default true).
	ConfirmWrites *bool `toml:"confirm_writes"`
	// VendorTools registers the reference's raw vendor tools
	// (sap_pm_raw_iw38_notification, maximo_raw_attribute_update) when a
	// plugin implements their operation (default false).
	VendorTools bool `toml:"vendor_tools"`
	// OAuth accepts access tokens from the operator's identity provider on
	// streamable HTTP, besides the static tokens.
	OAuth OAuth `toml:"oauth"`
}

// ConfirmsWrites reports mcp.confirm_writes (default true).
func (m MCP) ConfirmsWrites() bool { return m.ConfirmWrites == nil || *m.ConfirmWrites }

// OAuth is [mcp.oauth]: Machina as an OAuth 2.1 resource server.
type OAuth struct {
	// Issuer is the identity provider's issuer URL (enables OAuth).
	Issuer string `toml:"issuer"`
	// JWKSURL overrides discovery of the issuer's key set.
	JWKSURL string `toml:"jwks_url"`
	// Resource is Machina's MCP URL as clients reach it.
	Resource string `toml:"resource"`
	// Audiences accepted in aud (default [resource]).
	Audiences []string `toml:"audiences"`
	// ClientIDClaim names the claim with the client id (default azp).
	ClientIDClaim string `toml:"client_id_claim"`
	// ReadScope and WriteScope map scopes (or app roles) to access.
	ReadScope  string `toml:"read_scope"`
	WriteScope string `toml:"write_scope"`
	// Leeway is the clock skew allowed on exp/nbf/iat (default 30s).
	Leeway Duration `toml:"leeway"`
	// JWKSRefresh is how often the key set is fetched again (default 1h).
	JWKSRefresh Duration `toml:"jwks_refresh"`
}

// Enabled reports whether [mcp.oauth] is configured.
func (o OAuth) Enabled() bool { return strings.TrimSpace(o.Issuer) != "" }

// Metrics is [metrics]: the Prometheus endpoint /metrics.
type Metrics struct {
	// Enabled serves /metrics (default true).
	Enabled *bool `toml:"enabled"`
	// Auth is "token" (default: the bearer tokens of /mcp, any scope) or
	// "none" (no token asked; the Host and Origin checks stay).
	Auth string `toml:"auth"`
	// Listen, when set, also serves /metrics alone on this address (a
	// stdio server, or a scrape network apart from the MCP clients).
	Listen string `toml:"listen"`
}

// On reports metrics.enabled (default true).
func (m Metrics) On() bool { return m.Enabled == nil || *m.Enabled }

// NoAuth reports metrics.auth = "none".
func (m Metrics) NoAuth() bool { return m.Auth == "none" }

// Plugin is one [[plugin]] table.
type Plugin struct {
	// Name must equal the module's manifest name.
	Name string `toml:"name"`
	Path string `toml:"path"`
	// SHA256 pins the module; required unless AllowUnpinned.
	SHA256        string `toml:"sha256"`
	AllowUnpinned bool   `toml:"allow_unpinned"`
	// PublicKey is a hex or base64 ed25519 key; when set the module must
	// carry a valid signature from it.
	PublicKey string `toml:"public_key"`
	// Primary marks the primary CMMS (at most one).
	Primary  bool `toml:"primary"`
	Disabled bool `toml:"disabled"`
	// Config is the non-secret plugin configuration passed to machina_init.
	Config map[string]any `toml:"config"`
	Grant  Grant          `toml:"grant"`
}

// Grant is what the operator allows a plugin.
type Grant struct {
	HTTP   []OriginGrant `toml:"http"`
	Mail   *MailGrant    `toml:"mail"`
	KV     KVGrant       `toml:"kv"`
	Limits Limits        `toml:"limits"`
}

// OriginGrant grants one concrete origin with one auth profile.
type OriginGrant struct {
	// Origin is scheme://host[:port], concrete (no wildcards).
	Origin string `toml:"origin"`
	// AllowPrivate lets this exact origin resolve to loopback/private
	// addresses (for on-premise systems and simulators).
	AllowPrivate bool `toml:"allow_private"`
	Auth         Auth `toml:"auth"`
	// Secrets may be placed by the plugin with {{secret:NAME}} placeholders
	// in requests to this origin.
	Secrets []string `toml:"secrets"`
	// Reads and Writes narrow the requests the manifest declares for this
	// origin ("METHOD /path" rules, see wire.RequestRule): when set, a
	// request must match both the manifest's rule and one of these. Unset
	// (absent) keeps the manifest's list; an empty list allows none.
	Reads  []string `toml:"reads"`
	Writes []string `toml:"writes"`
}

// Auth binds an auth profile and its secrets (by name) to an origin.
type Auth struct {
	Profile wire.AuthProfile `toml:"profile"`
	// basic
	Username       string `toml:"username"`        // literal user name (not secret)
	UsernameSecret string `toml:"username_secret"` // or a secret name
	PasswordSecret string `toml:"password_secret"`
	// bearer, header, url_path
	TokenSecret string `toml:"token_secret"`
	Header      string `toml:"header"` // header profile: header name (e.g. apikey)
	Prefix      string `toml:"prefix"` // optional value prefix
	// oauth2_client_credentials
	TokenURL           string   `toml:"token_url"`
	ClientID           string   `toml:"client_id"`
	ClientSecretSecret string   `toml:"client_secret_secret"`
	Scopes             []string `toml:"scopes"`
}

// MailGrant lets a plugin send and fetch mail through the host.
type MailGrant struct {
	SMTPAddr       string `toml:"smtp_addr"` // host:port
	SMTPTLS        string `toml:"smtp_tls"`  // implicit | starttls
	IMAPAddr       string `toml:"imap_addr"` // host:port
	IMAPTLS        string `toml:"imap_tls"`  // implicit | starttls
	From           string `toml:"from"`      // envelope and header From
	Username       string `toml:"username"`  // not secret
	PasswordSecret string `toml:"password_secret"`
	// CAFile trusts an extra CA (for on-premise servers and tests).
	CAFile       string `toml:"ca_file"`
	AllowPrivate bool   `toml:"allow_private"`
	// AllowedRecipients are the addresses (or "@domain" entries) the
	// plugin may send to; the host refuses a message with any other
	// recipient. Empty refuses every send unless AllowAnyRecipient.
	AllowedRecipients []string `toml:"allowed_recipients"`
	// AllowAnyRecipient lifts the recipient allow-list (not recommended).
	AllowAnyRecipient bool `toml:"allow_any_recipient"`
}

// RecipientAllowed reports whether addr (a bare address, any case) is in
// the grant's allow-list, by address or by "@domain".
func (g MailGrant) RecipientAllowed(addr string) bool {
	if g.AllowAnyRecipient {
		return true
	}
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndex(addr, "@")
	for _, a := range g.AllowedRecipients {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == addr || (strings.HasPrefix(a, "@") && at >= 0 && a == addr[at:]) {
			return true
		}
	}
	return false
}

// KVGrant sizes the plugin's persistent state.
type KVGrant struct {
	QuotaBytes int64 `toml:"quota_bytes"`
}

// Limits caps a plugin's resources.
type Limits struct {
	MemoryMiB         int      `toml:"memory_mib"`
	Timeout           Duration `toml:"timeout"`
	MaxRequestBytes   int      `toml:"max_request_bytes"`
	MaxResponseBytes  int      `toml:"max_response_bytes"`
	RequestsPerMinute int      `toml:"requests_per_minute"`
	Instances         int      `toml:"instances"`
}

// Duration is a time.Duration written as "5s" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Load reads, decodes and validates a config file, applying environment
// overrides read through getenv (nil means os.Getenv).
func Load(path string, getenv func(string) string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, _ := filepath.Abs(path)
	c, err := ParseIn(b, filepath.Dir(abs), getenv)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ParseIn is Parse for a configuration whose relative paths start from dir.
func ParseIn(text []byte, dir string, getenv func(string) string) (*Config, error) {
	c, err := Parse(text, getenv)
	if err != nil {
		return nil, err
	}
	c.dir = dir
	c.resolvePaths()
	return c, nil
}

// Parse decodes and validates config text. Relative paths stay relative to
// the working directory.
func Parse(text []byte, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{}
	md, err := toml.Decode(string(text), c)
	if err != nil {
		return nil, err
	}
	c.md = md
	var unknown []string
	for _, k := range md.Undecoded() {
		s := k.String()
		if strings.HasPrefix(s, "opcua") || strings.HasPrefix(s, "mqtt") || strings.HasPrefix(s, "docstore") || strings.HasPrefix(s, "agent") {
			continue // decoded by their packages through Decode
		}
		if p := pluginConfigKey(k); p {
			continue
		}
		unknown = append(unknown, s)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown keys: %s", strings.Join(unknown, ", "))
	}
	c.applyEnv(getenv)
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// pluginConfigKey reports whether k lies inside a plugin's free-form config
// table, which is not decoded field by field.
func pluginConfigKey(k toml.Key) bool {
	return len(k) >= 2 && k[0] == "plugin" && k[1] == "config"
}

func (c *Config) applyEnv(getenv func(string) string) {
	if v := getenv("MACHINA_SANDBOX_MODE"); v != "" {
		if b, err := strconv.ParseBool(v); err == nil {
			c.Sandbox = b
		}
	}
	if v := getenv("MACHINA_TRACE_DIR"); v != "" {
		c.Trace.Dir = v
	}
	if v := getenv("MACHINA_LOG_LEVEL"); v != "" {
		c.Log.Level = v
	}
	if v := getenv("MACHINA_DATA_DIR"); v != "" {
		c.DataDir = v
	}
}

func (c *Config) applyDefaults() {
	if c.Name == "" {
		c.Name = "Machina"
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.Trace.Dir == "" {
		c.Trace.Dir = "traces"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.MCP.Transport == "" {
		c.MCP.Transport = "stdio"
	}
	if c.MCP.Listen == "" {
		c.MCP.Listen = "127.0.0.1:8000"
	}
}

func (c *Config) resolvePaths() {
	rel := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(c.dir, *p)
		}
	}
	rel(&c.DataDir)
	rel(&c.Trace.Dir)
	rel(&c.MCP.TLSCert)
	rel(&c.MCP.TLSKey)
	rel(&c.MCP.TokensFile)
	for i := range c.Plugins {
		rel(&c.Plugins[i].Path)
		if m := c.Plugins[i].Grant.Mail; m != nil {
			rel(&m.CAFile)
		}
	}
	for name, ref := range c.Secrets {
		if p, ok := strings.CutPrefix(ref, "file:"); ok && !filepath.IsAbs(p) {
			c.Secrets[name] = "file:" + filepath.Join(c.dir, p)
		}
	}
}

// Dir is the directory of the config file ("" when parsed from text).
func (c *Config) Dir() string { return c.dir }

// Decode decodes one of the raw sections (OPCUA, MQTT, Docstore, Agent)
// into v.
func (c *Config) Decode(section toml.Primitive, v any) error {
	return c.md.PrimitiveDecode(section, v)
}

// DecodeStrict decodes a raw section like Decode and refuses keys under
// prefix (the section's name, e.g. "mqtt") that v has no field for, so a
// typo cannot silently drop a setting.
func (c *Config) DecodeStrict(section toml.Primitive, prefix string, v any) error {
	if err := c.md.PrimitiveDecode(section, v); err != nil {
		return err
	}
	var unknown []string
	for _, k := range c.md.Undecoded() {
		if len(k) > 0 && k[0] == prefix {
			unknown = append(unknown, k.String())
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown keys: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// Validate checks the configuration statically.
func (c *Config) Validate() error {
	var errs []string
	add := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	switch c.MCP.Transport {
	case "stdio", "http":
	default:
		add("mcp.transport %q: want stdio or http", c.MCP.Transport)
	}
	switch c.Metrics.Auth {
	case "", "token", "none":
	default:
		add("metrics.auth %q: want token or none", c.Metrics.Auth)
	}
	if (c.MCP.TLSCert == "") != (c.MCP.TLSKey == "") {
		add("mcp: tls_cert and tls_key go together")
	}
	if o := c.MCP.OAuth; !o.Enabled() && (o.Resource != "" || o.JWKSURL != "" || len(o.Audiences) > 0) {
		add("mcp.oauth: issuer is required when the table is set")
	} else if o.Enabled() && strings.TrimSpace(o.Resource) == "" {
		add("mcp.oauth.resource is required: Machina's MCP URL as clients reach it (e.g. https://machina.example.com/mcp)")
	}
	for name, ref := range c.Secrets {
		scheme, rest, ok := strings.Cut(ref, ":")
		if !ok || rest == "" {
			add("secrets.%s: want env:NAME, file:PATH or systemd:NAME", name)
			continue
		}
		switch scheme {
		case "env", "file", "systemd", "credential":
		default:
			add("secrets.%s: unknown source %q (want env, file or systemd)", name, scheme)
		}
	}
	seen := map[string]bool{}
	primaries := 0
	for i, p := range c.Plugins {
		where := fmt.Sprintf("plugin[%d]", i)
		if p.Name != "" {
			where = "plugin " + p.Name
		}
		if !wire.ValidName(p.Name) {
			add("%s: name %q must be the plugin's manifest name", where, p.Name)
		}
		if seen[p.Name] {
			add("%s: configured twice", where)
		}
		seen[p.Name] = true
		if p.Path == "" {
			add("%s: path is required", where)
		}
		if p.SHA256 == "" && !p.AllowUnpinned {
			add("%s: sha256 is required (or set allow_unpinned = true for development)", where)
		}
		if p.Primary && !p.Disabled {
			primaries++
		}
		for _, og := range p.Grant.HTTP {
			if err := validateOrigin(og.Origin); err != nil {
				add("%s: grant.http: %v", where, err)
			}
			if og.Auth.Profile != "" && !og.Auth.Profile.Valid() {
				add("%s: grant.http %s: unknown auth profile %q", where, og.Origin, og.Auth.Profile)
			}
			for _, rs := range [][]string{og.Reads, og.Writes} {
				if _, err := wire.ParseRequestRules(rs); err != nil {
					add("%s: grant.http %s: %v", where, og.Origin, err)
				}
			}
			for _, s := range append(og.Secrets, og.Auth.secretNames()...) {
				if _, ok := c.Secrets[s]; !ok {
					add("%s: grant.http %s: secret %q is not defined in [secrets]", where, og.Origin, s)
				}
			}
		}
		if m := p.Grant.Mail; m != nil && m.PasswordSecret != "" {
			if _, ok := c.Secrets[m.PasswordSecret]; !ok {
				add("%s: grant.mail: secret %q is not defined in [secrets]", where, m.PasswordSecret)
			}
		}
		if m := p.Grant.Mail; m != nil {
			for _, a := range m.AllowedRecipients {
				if !validRecipientEntry(a) {
					add("%s: grant.mail: allowed_recipients entry %q is neither an address nor an @domain", where, a)
				}
			}
		}
	}
	if primaries > 1 {
		add("multiple plugins marked primary (at most one)")
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("invalid configuration:\n  - %s", strings.Join(errs, "\n  - "))
	}
	return nil
}

func (a Auth) secretNames() []string {
	var out []string
	for _, s := range []string{a.UsernameSecret, a.PasswordSecret, a.TokenSecret, a.ClientSecretSecret} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// validRecipientEntry accepts "user@domain" or "@domain".
func validRecipientEntry(a string) bool {
	a = strings.TrimSpace(a)
	if strings.HasPrefix(a, "@") {
		return len(a) > 1 && !strings.ContainsAny(a[1:], "@ <>\r\n")
	}
	m, err := mail.ParseAddress(a)
	return err == nil && m.Name == "" && m.Address == a
}

// validateOrigin checks a concrete origin: scheme, host, optional port, no
// path and no wildcard.
func validateOrigin(o string) error {
	p, err := wire.ParseOriginPattern(o)
	if err != nil {
		return err
	}
	if strings.Contains(p.Host, "*") || p.Port == "*" {
		return fmt.Errorf("origin %q: a grant names a concrete origin (no wildcards)", o)
	}
	return nil
}
