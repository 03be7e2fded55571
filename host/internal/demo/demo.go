// Package demo builds the environment of `machina demo`: in-process
// simulators for every external system (Maximo OSLC, SAP OData, the Telegram
// Bot API, an SMTP/IMAP pair and an OPC-UA plant), generated credentials in
// 0600 files, and a machina.toml that grants each plugin exactly its
// simulator. Everything listens on 127.0.0.1; nothing reaches the network.
//
// It owns only the environment; the host itself is built by package app
// from the generated configuration, exactly as `machina serve` builds it.
package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/hashicorp/go-hclog"
	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simmail "github.com/machina-go/machina/internal/sim/mail"
	"github.com/machina-go/machina/internal/sim/maximo"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
	"github.com/machina-go/machina/internal/sim/sap"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
)

// Options configures the environment.
type Options struct {
	// PluginsDir holds the built plugins (dist/plugins).
	PluginsDir string
	// ManualsDir holds the sample manuals to ingest (samples/manuals).
	ManualsDir string
	// StateDir holds the generated config, secrets, token and data (0700).
	StateDir string
	// Sandbox turns sandbox mode on in the generated configuration.
	Sandbox bool
	// Listen is the MCP HTTP address written to the configuration.
	Listen string
	// LLM, when set, enables the agent against an OpenAI-compatible server
	// (e.g. Ollama at http://127.0.0.1:11434/v1) with this model.
	LLMURL, LLMModel string
	// Static stops the OPC-UA plant's simulation loop: values change only
	// through SetValue (tests).
	Static bool
	// NoConfirmations lets the agent write without asking (tests).
	NoConfirmations bool
	Logger          hclog.Logger
	// SecretSources chooses where the host reads each generated secret
	// (maximo_apikey, sap_client_secret, telegram_bot_token,
	// mail_password); a secret not listed is a 0600 file (file:), the
	// default. See SecretSource.
	SecretSources map[string]SecretSource
}

// SecretSource is where the generated configuration tells the host to read
// one secret from.
type SecretSource string

// Secret sources of Options.SecretSources.
const (
	// SourceFile is a 0600 file under StateDir/secrets (file:PATH).
	SourceFile SecretSource = "file"
	// SourceEnv is an environment variable (env:NAME) listed in Env.Environ:
	// the caller must put it into the host's environment.
	SourceEnv SecretSource = "env"
	// SourceSystemd is a credential in StateDir/credentials (systemd:NAME);
	// Env.Environ holds CREDENTIALS_DIRECTORY.
	SourceSystemd SecretSource = "systemd"
	// SourceDotEnv is an environment variable (env:NAME) assigned in the
	// 0600 file Env.DotEnvPath, to be loaded with secrets.LoadDotEnv.
	SourceDotEnv SecretSource = "dotenv"
)

// TelegramChat is the demo's allowed Telegram chat (technicians' group).
const TelegramChat = 4242

// Env is a running demo environment.
type Env struct {
	ConfigPath string
	TokenPath  string
	Token      string
	Maximo     *maximo.Server
	SAP        *sap.Server
	Telegram   *simtg.Server
	Mail       *simmail.Server
	OPCUA      *simopcua.Server
	// Plugins lists the plugins configured, with their sha256.
	Plugins map[string]string
	// Environ holds the environment variables the host needs for secrets
	// read from SourceEnv and SourceSystemd (empty with the default file
	// sources).
	Environ map[string]string
	// DotEnvPath is the .env file holding the SourceDotEnv secrets ("" when
	// there are none).
	DotEnvPath string
	// Secrets maps each generated secret's name to its value, so tests can
	// assert that none of them leaks.
	Secrets map[string]string

	logger  hclog.Logger
	closers []func()
}

// Close stops every simulator.
func (e *Env) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// Start starts the simulators and writes the configuration.
func Start(ctx context.Context, o Options) (*Env, error) {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8000"
	}
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(o.StateDir, 0o700); err != nil {
		return nil, err
	}
	e := &Env{Plugins: map[string]string{}, Environ: map[string]string{}, Secrets: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()
	secrets := map[string]string{}
	var b bytes.Buffer
	var dotenv bytes.Buffer
	put := func(name, value string) error {
		e.Secrets[name] = value
		envName := "MACHINA_DEMO_" + strings.ToUpper(name)
		switch src := o.SecretSources[name]; src {
		case "", SourceFile:
		case SourceEnv:
			secrets[name] = "env:" + envName
			e.Environ[envName] = value
			return nil
		case SourceDotEnv:
			secrets[name] = "env:" + envName
			fmt.Fprintf(&dotenv, "%s=%s\n", envName, value)
			return nil
		case SourceSystemd:
			dir := filepath.Join(o.StateDir, "credentials")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			secrets[name] = "systemd:" + name
			e.Environ["CREDENTIALS_DIRECTORY"] = dir
			return os.WriteFile(filepath.Join(dir, name), []byte(value+"\n"), 0o600)
		default:
			return fmt.Errorf("secret %s: unknown source %q (want file, env, systemd or dotenv)", name, src)
		}
		path := filepath.Join(o.StateDir, "secrets", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		secrets[name] = "file:" + path
		return os.WriteFile(path, []byte(value+"\n"), 0o600)
	}

	// Maximo (API key), SAP (OAuth2 client credentials, OData v2).
	mxAuth, err := maximo.GenerateAuth(maximo.AuthAPIKey)
	if err != nil {
		return nil, err
	}
	e.Maximo, err = maximo.NewServer(maximo.Options{Auth: mxAuth, Logger: o.Logger.Named("sim-maximo")})
	if err != nil {
		return nil, err
	}
	mxURL, err := e.serve(e.Maximo)
	if err != nil {
		return nil, err
	}
	sapAuth, err := sap.GenerateAuth(sap.AuthOAuth2)
	if err != nil {
		return nil, err
	}
	e.SAP, err = sap.NewServer(sap.Options{Auth: sapAuth, SAPClient: "100", Logger: o.Logger.Named("sim-sap")})
	if err != nil {
		return nil, err
	}
	sapURL, err := e.serve(e.SAP)
	if err != nil {
		return nil, err
	}
	// Telegram.
	tgToken := "7000001:" + random(16)
	e.Telegram, err = simtg.NewServer(simtg.Options{Token: tgToken, Logger: o.Logger.Named("sim-telegram")})
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.Telegram.Close() })
	// Mail.
	mailPass := random(16)
	e.Mail, err = simmail.Start(simmail.Options{Users: map[string]string{"machina@plant.example": mailPass,
		"tech@plant.example": random(16)}, Logger: o.Logger.Named("sim-mail")})
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.Mail.Close() })
	caFile := filepath.Join(o.StateDir, "mail-ca.pem")
	if err := os.WriteFile(caFile, e.Mail.CAPEM(), 0o600); err != nil {
		return nil, err
	}
	// OPC-UA plant.
	tick := time.Duration(0)
	if o.Static {
		tick = -1
	}
	e.OPCUA, err = simopcua.Start(ctx, simopcua.Options{Addr: "127.0.0.1:0", Tick: tick, Logger: o.Logger.Named("sim-opcua")})
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func() { _ = e.OPCUA.Close() })

	for name, v := range map[string]string{"maximo_apikey": mxAuth.APIKey, "sap_client_secret": sapAuth.ClientSecret,
		"telegram_bot_token": tgToken, "mail_password": mailPass} {
		if err := put(name, v); err != nil {
			return nil, err
		}
	}
	if dotenv.Len() > 0 {
		e.DotEnvPath = filepath.Join(o.StateDir, ".env")
		if err := os.WriteFile(e.DotEnvPath, dotenv.Bytes(), 0o600); err != nil {
			return nil, err
		}
	}
	// MCP token, printed once and kept in a 0600 file.
	e.Token = random(32)
	e.TokenPath = filepath.Join(o.StateDir, "mcp-token")
	if err := os.WriteFile(e.TokenPath, []byte(e.Token+"\n"), 0o600); err != nil {
		return nil, err
	}
	tokensFile := filepath.Join(o.StateDir, "mcp-tokens.json")
	tj, _ := json.Marshal(map[string]string{e.Token: "demo-client"})
	if err := os.WriteFile(tokensFile, tj, 0o600); err != nil {
		return nil, err
	}

	pin := func(name string) (string, error) {
		path, err := filepath.Abs(filepath.Join(o.PluginsDir, name+".wasm"))
		if err != nil {
			return "", err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("plugin %s: %w (run `make build`)", name, err)
		}
		sum := sha256.Sum256(data)
		e.Plugins[name] = hex.EncodeToString(sum[:])
		return path, nil
	}
	paths := map[string]string{}
	for _, n := range []string{"cmms-maximo", "cmms-sap", "telegram", "email"} {
		if paths[n], err = pin(n); err != nil {
			return nil, err
		}
	}
	manuals, err := filepath.Abs(o.ManualsDir)
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(e.Mail.SMTPImplicitAddr)
	smtpAddr := "127.0.0.1:" + port
	_, iport, _ := net.SplitHostPort(e.Mail.IMAPImplicitAddr)

	fmt.Fprintf(&b, "# Generated by `machina demo`: every system is a simulator on 127.0.0.1.\n")
	fmt.Fprintf(&b, "name = \"Machina demo\"\nsandbox = %v\ndata_dir = %q\n\n", o.Sandbox, filepath.Join(o.StateDir, "data"))
	fmt.Fprintf(&b, "[plant]\nname = \"Demo plant\"\nlocation = \"Loopback\"\n\n")
	fmt.Fprintf(&b, "[log]\nlevel = \"warn\"\n\n[trace]\ndir = %q\nhash_chain = true\n\n", filepath.Join(o.StateDir, "traces"))
	fmt.Fprintf(&b, "[mcp]\ntransport = \"http\"\nlisten = %q\ntokens_file = %q\n\n", o.Listen, tokensFile)
	b.WriteString("[secrets]\n")
	for _, n := range []string{"maximo_apikey", "sap_client_secret", "telegram_bot_token", "mail_password"} {
		fmt.Fprintf(&b, "%s = %q\n", n, secrets[n])
	}
	fmt.Fprintf(&b, `
[[plugin]]
name = "cmms-maximo"
path = %q
sha256 = %q
primary = true
[plugin.config]
base_url = %q
page_size = 100
# the demo plant's site configuration: its asset types (plant, areas and
# lines are FACILITY; tanks TANK; transmitters INSTRUMENT; MCC panels
# ELECTRICAL), its own predictive work type and each asset's failure list.
asset_type_map = { FACILITY = "structural", PUMP = "rotating_equipment", COMPRESSOR = "rotating_equipment", MOTOR = "electrical", ELECTRICAL = "electrical", TANK = "static_equipment", HEATEXCH = "static_equipment", VALVE = "piping", INSTRUMENT = "instrument" }
worktype_map = { PDM = "predictive" }
select = { asset = "*,failurelist{*}" }
[[plugin.grant.http]]
origin = %q
allow_private = true
auth = { profile = "header", header = "apikey", token_secret = "maximo_apikey" }

[[plugin]]
name = "cmms-sap"
path = %q
sha256 = %q
[plugin.config]
base_url = %q
odata_version = "v2"
sap_client = "100"
bom_equipment_field = "Equipment"
# the site's customer codes (the simulator serves SAP's sandbox orders of
# types YBA1/YBA2 and fire-protection equipment of category F)
order_type_map = { YBA1 = "corrective", YBA2 = "preventive" }
equipment_category_map = { F = "safety" }
[[plugin.grant.http]]
origin = %q
allow_private = true
auth = { profile = "oauth2_client_credentials", token_url = %q, client_id = %q, client_secret_secret = "sap_client_secret" }

[[plugin]]
name = "telegram"
path = %q
sha256 = %q
[plugin.config]
base_url = %q
allowed_chat_ids = [%d]
poll_timeout_s = 5
[[plugin.grant.http]]
origin = %q
allow_private = true
auth = { profile = "url_path", token_secret = "telegram_bot_token" }
[plugin.grant.kv]
quota_bytes = 1024
[plugin.grant.limits]
timeout = "30s"

[[plugin]]
name = "email"
path = %q
sha256 = %q
[plugin.config]
allowed_senders = ["tech@plant.example"]
[plugin.grant.mail]
smtp_addr = %q
smtp_tls = "implicit"
imap_addr = %q
imap_tls = "implicit"
from = "Machina <machina@plant.example>"
username = "machina@plant.example"
password_secret = "mail_password"
ca_file = %q
allow_private = true
allowed_recipients = ["tech@plant.example"]
[plugin.grant.kv]
quota_bytes = 16384

[docstore]
manuals = %q
`, paths["cmms-maximo"], e.Plugins["cmms-maximo"], mxURL, mxURL,
		paths["cmms-sap"], e.Plugins["cmms-sap"], sapURL+sap.BasePath, sapURL, sapURL+sap.TokenPath, sapAuth.ClientID,
		paths["telegram"], e.Plugins["telegram"], e.Telegram.URL(), TelegramChat, e.Telegram.URL(),
		paths["email"], e.Plugins["email"], smtpAddr, "127.0.0.1:"+iport, caFile, manuals)

	if o.LLMURL != "" {
		fmt.Fprintf(&b, "\n[agent]\nprovider = \"openai\"\nbase_url = %q\nmodel = %q\nconfirmations = %v\n", o.LLMURL, o.LLMModel, !o.NoConfirmations)
	} else {
		b.WriteString("\n[agent]\n")
	}
	fmt.Fprintf(&b, "[agent.alarm_workflow]\nenabled = true\nnotify = \"telegram:%d\"\n\n", TelegramChat)
	ep := OPCUAEndpoint("demo-plant", e.OPCUA.URL())
	if err := toml.NewEncoder(&b).Encode(map[string]any{"opcua": map[string]any{"endpoint": []hostopcua.EndpointConfig{ep}}}); err != nil {
		return nil, err
	}
	e.ConfigPath = filepath.Join(o.StateDir, "machina.toml")
	if err := os.WriteFile(e.ConfigPath, b.Bytes(), 0o600); err != nil {
		return nil, err
	}
	ok = true
	return e, nil
}

// serve runs an HTTP simulator on a free loopback port and returns its URL.
func (e *Env) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.logger.Error("simulator stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	e.closers = append(e.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String(), nil
}

// FirstCriticalAsset returns an asset id from the Maximo simulator, for the
// demo's tool calls (criticality A when there is one).
func (e *Env) FirstCriticalAsset() string {
	recs := e.Maximo.Records("mxasset")
	best := ""
	for _, r := range recs {
		id, _ := r["assetnum"].(string)
		if id == "" {
			continue
		}
		if best == "" {
			best = id
		}
		if p, ok := r["priority"].(float64); ok && p <= 1 && strings.HasPrefix(id, "P-") {
			return id
		}
	}
	return best
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
