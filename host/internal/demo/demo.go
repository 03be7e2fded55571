// Package demo builds the environment of `machina demo`: in-process
// simulators for every external system (Maximo OSLC, SAP OData, the Telegram
// Bot API, an SMTP/IMAP pair and an OPC-UA plant), generated credentials in
// 0600 files, and a machina.toml — encoded from the host's own
// configuration types — that grants each plugin exactly its simulator.
// Everything listens on 127.0.0.1; nothing reaches the network.
//
// Every demo owns its state directory (configuration, credentials, token,
// mail CA, data, traces) through a lock file: two demos never share
// credentials, tokens, certificates or a trace chain. With StateRoot, a demo
// takes the first free slot under it (http, http-2, …), so a demo an MCP
// client spawns never touches one already running. Only compiled plugin
// code may be shared (CompileCache): it is keyed by the module's hash.
//
// It owns only the environment; the host itself is built by package app
// from the generated configuration, exactly as `machina serve` builds it.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/hashicorp/go-hclog"
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
	// StateDir is the demo's own state directory (created 0700 and locked;
	// a second demo on it is refused with a *dirlock.HeldError).
	StateDir string
	// StateRoot, when StateDir is empty, is where the demo claims the first
	// free slot: StateRoot/Slot, then StateRoot/Slot-2, … (up to MaxSlots).
	StateRoot string
	// Slot names the slot under StateRoot (default "demo").
	Slot string
	// CompileCache, when set, is a directory for compiled plugin code that
	// several demos may share (wazero keys it by module and version); the
	// state's data/cache/wazero links to it so a new slot starts warm.
	CompileCache string
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

// TelegramChat is the demo's allowed Telegram chat (technicians' group).
const TelegramChat = 4242

// TechnicianMail is the demo technician's address (an allowed sender).
const TechnicianMail = "tech@plant.example"

// Env is a running demo environment.
type Env struct {
	// StateDir is the state directory this demo holds.
	StateDir   string
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
	sims    simEndpoints
	closers []func()
}

// Close stops every simulator and gives the state directory up.
func (e *Env) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

// Start claims a state directory, starts the simulators and writes the
// credentials, the MCP token and the configuration.
func Start(ctx context.Context, o Options) (*Env, error) {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8000"
	}
	e := &Env{Plugins: map[string]string{}, Environ: map[string]string{}, Secrets: map[string]string{}, logger: o.Logger}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()
	if err := e.claimState(o); err != nil {
		return nil, err
	}
	if err := e.linkCompileCache(o.CompileCache); err != nil {
		return nil, err
	}
	creds, err := e.startSims(ctx, o)
	if err != nil {
		return nil, err
	}
	refs, err := e.writeSecrets(o.SecretSources, creds)
	if err != nil {
		return nil, err
	}
	tokensFile, err := e.writeToken()
	if err != nil {
		return nil, err
	}
	if err := e.writeConfig(o, refs, tokensFile); err != nil {
		return nil, err
	}
	ok = true
	return e, nil
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

// MaximoURL is the Maximo simulator's base URL (its /_sim/stats counts
// requests and writes).
func (e *Env) MaximoURL() string { return e.sims.maximoURL }
