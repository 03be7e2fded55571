package opcua

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gopcua/opcua/ua"
	"github.com/machina-go/machina/host/internal/sensor"
)

// Security policy names accepted in configuration (the part after
// "http://opcfoundation.org/UA/SecurityPolicy#").
const (
	PolicyNone                  = "None"
	PolicyBasic256Sha256        = "Basic256Sha256"
	PolicyAes128Sha256RsaOaep   = "Aes128_Sha256_RsaOaep"
	PolicyAes256Sha256RsaPss    = "Aes256_Sha256_RsaPss"
	policyBasic128Rsa15         = "Basic128Rsa15"
	policyBasic256              = "Basic256"
	defaultPublishingIntervalMS = 500
	defaultSessionTimeoutMS     = 30000
	defaultRequestTimeoutMS     = 10000
	defaultHealthIntervalMS     = 5000
	defaultReconnectMinMS       = 500
	defaultReconnectMaxMS       = 30000
)

// Message security mode names accepted in configuration.
const (
	ModeNone           = "None"
	ModeSign           = "Sign"
	ModeSignAndEncrypt = "SignAndEncrypt"
)

// Config is the [opcua] table of machina.toml:
//
//	[[opcua.endpoint]]
//	name = "plant"
//	url = "opc.tcp://10.0.0.5:4840"
//	security_policy = "Basic256Sha256"
//	security_mode = "SignAndEncrypt"
//	cert_file = "pki/client.pem"
//	key_file = "pki/client.key"
//	trust_dir = "pki/trusted"
//	username = "machina"
//	password_secret = "opcua_plant_password"
//
//	[[opcua.endpoint.alias]]
//	name = "pump-101.temperature"
//	node_id = "ns=2;s=P-101.Temperature"
//	asset_id = "P-101"
//	parameter = "temperature"
//	unit = "degC"
//	threshold = { high = 80.0, hysteresis = 2.0, deadband = 0.5, severity = "warning" }
type Config struct {
	Endpoints []EndpointConfig `toml:"endpoint"`
}

// EndpointConfig is one [[opcua.endpoint]] table.
type EndpointConfig struct {
	// Name identifies the endpoint in logs, health and errors.
	Name string `toml:"name"`
	// URL is the opc.tcp:// address of the server.
	URL string `toml:"url"`
	// SecurityPolicy is None, Basic256Sha256, Aes128_Sha256_RsaOaep or
	// Aes256_Sha256_RsaPss (Basic128Rsa15 and Basic256 are deprecated by the
	// OPC Foundation and refused). Default None.
	SecurityPolicy string `toml:"security_policy,omitempty"`
	// SecurityMode is None, Sign or SignAndEncrypt. Default None, or
	// SignAndEncrypt when a policy other than None is set.
	SecurityMode string `toml:"security_mode,omitempty"`
	// CertFile and KeyFile are the client application certificate (PEM or
	// DER) and its RSA private key (PEM PKCS#1/PKCS#8 or DER). Required
	// unless the policy is None.
	CertFile string `toml:"cert_file,omitempty"`
	KeyFile  string `toml:"key_file,omitempty"`
	// TrustDir holds trusted server certificates (*.pem, *.crt, *.der,
	// *.cer); TrustFiles names more. At least one is required unless the
	// policy is None. An untrusted server certificate is refused.
	TrustDir   string   `toml:"trust_dir,omitempty"`
	TrustFiles []string `toml:"trust_files,omitempty"`
	// Username enables user name authentication; the password is read at
	// connect time from the SecretSource under PasswordSecret. Username
	// authentication is refused with security mode None (the password would
	// cross the network in clear).
	Username       string `toml:"username,omitempty"`
	PasswordSecret string `toml:"password_secret,omitempty"`
	// Timeouts and intervals in milliseconds (0 = default).
	SessionTimeoutMS     int `toml:"session_timeout_ms,omitempty"`     // default 30000
	RequestTimeoutMS     int `toml:"request_timeout_ms,omitempty"`     // default 10000
	PublishingIntervalMS int `toml:"publishing_interval_ms,omitempty"` // default 500
	// SamplingIntervalMS is the sampling interval requested for every
	// monitored item (default: the publishing interval). Requesting it
	// explicitly matters: a server picks its own default for an item that
	// asks for 0 ("fastest practical"), and alarms then follow a threshold
	// crossing only after that interval plus a publishing interval. The
	// intervals the server grants are logged.
	SamplingIntervalMS int `toml:"sampling_interval_ms,omitempty"`
	HealthIntervalMS   int `toml:"health_interval_ms,omitempty"` // default 5000: ServerStatus watchdog
	ReconnectMinMS     int `toml:"reconnect_min_ms,omitempty"`   // default 500
	ReconnectMaxMS     int `toml:"reconnect_max_ms,omitempty"`   // default 30000
	// Aliases map friendly names to nodes.
	Aliases []AliasConfig `toml:"alias,omitempty"`
}

// AliasConfig names one node: MCP clients ask for "pump-101.temperature",
// not "ns=2;s=…".
type AliasConfig struct {
	Name      string           `toml:"name"`
	NodeID    string           `toml:"node_id"`
	AssetID   string           `toml:"asset_id"`
	Parameter string           `toml:"parameter,omitempty"`
	Unit      string           `toml:"unit,omitempty"`
	Threshold *ThresholdConfig `toml:"threshold,omitempty"`
	// SamplingIntervalMS overrides the endpoint's sampling_interval_ms for
	// this alias's monitored item.
	SamplingIntervalMS int `toml:"sampling_interval_ms,omitempty"`
}

// Validate checks the whole configuration and reports every problem at once.
func (c *Config) Validate() error {
	checks := make([]sensor.SourceCheck, len(c.Endpoints))
	for i := range c.Endpoints {
		e := &c.Endpoints[i]
		checks[i] = sensor.SourceCheck{Name: e.Name, Err: e.Validate()}
		for _, a := range e.Aliases {
			if a.Name != "" {
				checks[i].Aliases = append(checks[i].Aliases, a.Name)
			}
		}
	}
	return sensor.ValidateSources("opcua.endpoint", "endpoint", checks)
}

// Validate checks one endpoint.
func (e *EndpointConfig) Validate() error {
	var errs []error
	add := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	if strings.TrimSpace(e.Name) == "" {
		add("name is empty")
	}
	if u, err := url.Parse(e.URL); err != nil || u.Scheme != "opc.tcp" || u.Host == "" {
		add("url %q: want opc.tcp://host:port", e.URL)
	}
	policy, err := e.policyURI()
	if err != nil {
		errs = append(errs, err)
	}
	mode, err := e.mode()
	if err != nil {
		errs = append(errs, err)
	}
	if err == nil && policy != "" {
		secure := policy != ua.SecurityPolicyURINone
		if secure && mode == ua.MessageSecurityModeNone {
			add("security_mode None contradicts security_policy %s", e.SecurityPolicy)
		}
		if !secure && mode != ua.MessageSecurityModeNone {
			add("security_mode %s needs a security_policy other than None", e.SecurityMode)
		}
		if secure {
			if e.CertFile == "" || e.KeyFile == "" {
				add("cert_file and key_file are required with security_policy %s (create them with: machina opcua gen-cert --out DIR)", e.SecurityPolicy)
			}
			if e.TrustDir == "" && len(e.TrustFiles) == 0 {
				add("trust_dir or trust_files is required with security_policy %s: the server certificate must be trusted explicitly", e.SecurityPolicy)
			}
		}
		if e.Username != "" && !secure {
			add("username authentication needs a security_policy other than None (the password would be sent in clear)")
		}
	}
	if (e.Username == "") != (e.PasswordSecret == "") {
		add("username and password_secret go together")
	}
	for _, v := range []struct {
		name string
		v    int
	}{{"session_timeout_ms", e.SessionTimeoutMS}, {"request_timeout_ms", e.RequestTimeoutMS},
		{"publishing_interval_ms", e.PublishingIntervalMS}, {"sampling_interval_ms", e.SamplingIntervalMS}, {"health_interval_ms", e.HealthIntervalMS},
		{"reconnect_min_ms", e.ReconnectMinMS}, {"reconnect_max_ms", e.ReconnectMaxMS}} {
		if v.v < 0 {
			add("%s must not be negative", v.name)
		}
	}
	if e.ReconnectMinMS > 0 && e.ReconnectMaxMS > 0 && e.ReconnectMinMS > e.ReconnectMaxMS {
		add("reconnect_min_ms (%d) exceeds reconnect_max_ms (%d)", e.ReconnectMinMS, e.ReconnectMaxMS)
	}
	seen := map[string]bool{}
	for j, a := range e.Aliases {
		if err := a.validate(); err != nil {
			errs = append(errs, fmt.Errorf("alias[%d] %q: %w", j, a.Name, err))
		}
		k := strings.ToLower(a.Name)
		if a.Name != "" && seen[k] {
			add("alias %q is defined twice", a.Name)
		}
		seen[k] = true
	}
	return errors.Join(errs...)
}

func (a *AliasConfig) validate() error {
	var errs []error
	add := func(f string, v ...any) { errs = append(errs, fmt.Errorf(f, v...)) }
	if strings.TrimSpace(a.Name) == "" {
		add("name is empty")
	}
	if _, err := ua.ParseNodeID(a.NodeID); err != nil || a.NodeID == "" {
		add("node_id %q is not a node id (e.g. ns=2;s=Pump.Temperature)", a.NodeID)
	}
	if strings.TrimSpace(a.AssetID) == "" {
		add("asset_id is empty")
	}
	if a.SamplingIntervalMS < 0 {
		add("sampling_interval_ms must not be negative")
	}
	if t := a.Threshold; t != nil {
		if err := t.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ResolvePaths makes relative certificate, key and trust paths relative to
// dir (the directory of machina.toml).
func (c *Config) ResolvePaths(dir string) {
	for i := range c.Endpoints {
		e := &c.Endpoints[i]
		sensor.ResolvePaths(dir, &e.CertFile, &e.KeyFile, &e.TrustDir)
		for j := range e.TrustFiles {
			sensor.ResolvePaths(dir, &e.TrustFiles[j])
		}
	}
}

// policyURI maps the configured policy name to its URI.
func (e *EndpointConfig) policyURI() (string, error) {
	p := strings.TrimPrefix(strings.TrimSpace(e.SecurityPolicy), ua.SecurityPolicyURIPrefix)
	switch strings.ToLower(p) {
	case "", "none":
		return ua.SecurityPolicyURINone, nil
	case strings.ToLower(PolicyBasic256Sha256):
		return ua.SecurityPolicyURIBasic256Sha256, nil
	case strings.ToLower(PolicyAes128Sha256RsaOaep):
		return ua.SecurityPolicyURIAes128Sha256RsaOaep, nil
	case strings.ToLower(PolicyAes256Sha256RsaPss):
		return ua.SecurityPolicyURIAes256Sha256RsaPss, nil
	case strings.ToLower(policyBasic128Rsa15), strings.ToLower(policyBasic256):
		return "", fmt.Errorf("security_policy %q is deprecated (SHA-1) and refused; use %s, %s or %s",
			e.SecurityPolicy, PolicyBasic256Sha256, PolicyAes128Sha256RsaOaep, PolicyAes256Sha256RsaPss)
	}
	return "", fmt.Errorf("security_policy %q: want one of None, %s, %s, %s",
		e.SecurityPolicy, PolicyBasic256Sha256, PolicyAes128Sha256RsaOaep, PolicyAes256Sha256RsaPss)
}

// mode maps the configured mode; empty means SignAndEncrypt when a policy
// is set and None otherwise.
func (e *EndpointConfig) mode() (ua.MessageSecurityMode, error) {
	switch strings.ToLower(strings.TrimSpace(e.SecurityMode)) {
	case "":
		if p, _ := e.policyURI(); p != "" && p != ua.SecurityPolicyURINone {
			return ua.MessageSecurityModeSignAndEncrypt, nil
		}
		return ua.MessageSecurityModeNone, nil
	case "none":
		return ua.MessageSecurityModeNone, nil
	case "sign":
		return ua.MessageSecurityModeSign, nil
	case "signandencrypt":
		return ua.MessageSecurityModeSignAndEncrypt, nil
	}
	return ua.MessageSecurityModeInvalid, fmt.Errorf("security_mode %q: want None, Sign or SignAndEncrypt", e.SecurityMode)
}

func ms(v, def int) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * time.Millisecond
}

// samplingInterval is the sampling interval requested for a: the alias's,
// else the endpoint's, else the publishing interval.
func (e *EndpointConfig) samplingInterval(a AliasConfig) time.Duration {
	switch {
	case a.SamplingIntervalMS > 0:
		return ms(a.SamplingIntervalMS, 0)
	case e.SamplingIntervalMS > 0:
		return ms(e.SamplingIntervalMS, 0)
	}
	return ms(e.PublishingIntervalMS, defaultPublishingIntervalMS)
}

// hostPort is the host:port of the endpoint URL, used in alarm sources.
func (e *EndpointConfig) hostPort() string {
	u, err := url.Parse(e.URL)
	if err != nil {
		return e.URL
	}
	return u.Host
}
