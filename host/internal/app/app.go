package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/agent"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/docstore"
	"github.com/machina-go/machina/host/internal/llm"
	"github.com/machina-go/machina/host/internal/logging"
	"github.com/machina-go/machina/host/internal/mail"
	"github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/messaging"
	"github.com/machina-go/machina/host/internal/mqtt"
	"github.com/machina-go/machina/host/internal/opcua"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/sensor"
	"github.com/machina-go/machina/host/internal/trace"
)

// Options are what the process gives the app besides the configuration.
type Options struct {
	// Stderr receives logs (default os.Stderr). Never stdout: it may be the
	// MCP stdio transport.
	Stderr io.Writer
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Version is the host version.
	Version string
	// MessageHandler, when set, receives incoming chat messages instead of
	// the agent (or the logging echo handler when no agent is configured).
	MessageHandler messaging.Handler
}

// App is a running host.
type App struct {
	Config   *config.Config
	Logger   hclog.Logger
	Secrets  *secrets.Registry
	Scrubber *secrets.Scrubber
	Tracer   *trace.Tracer
	Gate     *sandbox.Gate
	Registry *registry.Registry
	Router   *router.Router
	MCP      *mcp.Server
	Plugins  []*pluginload.Loaded
	Docs     *docstore.Store
	OPCUA    *opcua.Manager
	MQTT     *mqtt.Manager
	// Alarms is the one alarm store of every sensor connector (OPC-UA,
	// MQTT): machina_get_alarms and the alarm workflow read it.
	Alarms    *sensor.AlarmStore
	Messaging *messaging.Router
	Agent     *agent.Agent
	// Toolbox is the agent's in-process MCP client (nil without an agent).
	Toolbox *agent.MCPToolbox

	agentCfg AgentConfig
	closers  []func()
	ingested chan struct{}
	once     sync.Once
}

// New builds every component of cfg. Components that fail are recorded in
// the registry (see Registry.Failures) and the rest start; New itself fails
// only when the host cannot run at all (secrets, tracer, agent config).
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	a := &App{Config: cfg, ingested: make(chan struct{})}
	a.Scrubber = secrets.NewScrubber()
	a.Logger = logging.New(logging.Options{Name: "machina", Level: cfg.Log.Level, JSON: cfg.Log.JSON, Output: opts.Stderr, Scrubber: a.Scrubber})
	sec, err := secrets.NewRegistry(cfg.Secrets, secrets.Options{Getenv: opts.Getenv, Logger: a.Logger.Named("secrets"), Scrubber: a.Scrubber})
	if err != nil {
		return nil, fmt.Errorf("[secrets]: %w", err)
	}
	a.Secrets = sec
	if err := cfg.Decode(cfg.Agent, &a.agentCfg); err != nil {
		return nil, fmt.Errorf("[agent]: %w", err)
	}
	if a.agentCfg.Provider != "" {
		if err := a.agentCfg.validate(); err != nil {
			return nil, fmt.Errorf("[agent]: %w", err)
		}
	}
	if !cfg.Trace.Disabled {
		tr, err := trace.New(trace.Options{Dir: cfg.Trace.Dir, Getenv: opts.Getenv, MaxFileBytes: cfg.Trace.MaxFileBytes,
			Retain: cfg.Trace.Retain, Fsync: cfg.Trace.Fsync, HashChain: cfg.Trace.HashChain, Scrubber: a.Scrubber, Logger: a.Logger.Named("trace")})
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		a.Tracer = tr
		a.closers = append(a.closers, func() {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = tr.Close(cctx)
		})
	}
	a.Gate = sandbox.New(cfg.Sandbox, a.Logger.Named("sandbox"))
	if cfg.Sandbox {
		a.Logger.Warn("sandbox mode: write operations are logged and never sent to the CMMS or messaging systems")
	}
	a.Registry = registry.New(a.Logger.Named("registry"))
	var channels []messaging.Channel
	if err := a.loadPlugins(ctx, &channels); err != nil {
		a.Close()
		return nil, err
	}
	a.startDocstore(ctx)
	a.Alarms = sensor.NewAlarmStore(1000, nil)
	a.startOPCUA(ctx)
	a.startMQTT(ctx)
	if len(channels) > 0 {
		handler := opts.MessageHandler
		if handler == nil {
			handler = &agentHandler{app: a}
		}
		a.Messaging, err = messaging.New(messaging.Options{Channels: channels, Handler: handler, Gate: a.Gate,
			Logger: a.Logger.Named("messaging"), Tracer: a.Tracer})
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("messaging: %w", err)
		}
	}
	ropts := router.Options{Registry: a.Registry, Sandbox: a.Gate, Tracer: a.Tracer, Logger: a.Logger.Named("router")}
	if a.Messaging != nil {
		ropts.Messenger = a.Messaging
	}
	a.Router, err = router.New(ropts)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.MCP, err = mcp.New(mcp.Options{Router: a.Router, Tracer: a.Tracer, Logger: a.Logger.Named("mcp"), Version: opts.Version})
	if err != nil {
		a.Close()
		return nil, err
	}
	if err := a.startAgent(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Close stops every component in reverse start order.
func (a *App) Close() {
	a.once.Do(func() {
		for i := len(a.closers) - 1; i >= 0; i-- {
			a.closers[i]()
		}
	})
}

// Run runs the background loops — messaging polls and the alarm workflow —
// until ctx ends. It returns at once when there is nothing to run.
func (a *App) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	if a.Messaging != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Messaging.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("messaging: %w", err)
			}
		}()
	}
	if (a.OPCUA != nil || a.MQTT != nil) && a.Agent != nil && a.agentCfg.AlarmWorkflow.Enabled {
		events, unsubscribe := a.Alarms.Subscribe(64)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer unsubscribe()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-events:
					if !ok {
						return
					}
					if ev.Alarm.Cleared {
						continue
					}
					a.HandleAlarm(ctx, ev.Alarm)
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// HandleAlarm runs alarm_to_workorder for one alarm and notifies the
// configured target.
func (a *App) HandleAlarm(ctx context.Context, alarm abi.Alarm) (agent.WorkflowResult, error) {
	if a.Agent == nil {
		return agent.WorkflowResult{}, errors.New("alarm_to_workorder needs the [agent] section")
	}
	target := agent.Target{}
	var notify agent.Notify
	if n := a.agentCfg.AlarmWorkflow.Notify; n != "" && a.Messaging != nil {
		ch, chat, err := a.Messaging.Resolve(n)
		if err == nil {
			target = agent.Target{Channel: ch, ChatID: chat}
			notify = func(ctx context.Context, text string) error {
				_, err := a.Messaging.SendTo(ctx, ch, chat, text)
				return err
			}
		} else {
			a.Logger.Warn("alarm workflow: bad notify target", "error", err)
		}
	}
	res, err := a.Agent.OnAlarm(ctx, alarm, target, notify)
	if err != nil {
		a.Logger.Error("alarm_to_workorder failed", "alarm", alarm.ID, "error", err)
	} else if res.Skipped == "" {
		a.Logger.Info("alarm_to_workorder", "alarm", alarm.ID, "work_order", res.WorkOrderID, "submitted", res.Submitted, "pending", res.Pending)
	}
	return res, err
}

func (a *App) loadPlugins(ctx context.Context, channels *[]messaging.Channel) error {
	cfg := a.Config
	if len(cfg.Plugins) == 0 {
		return nil
	}
	eng, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: filepath.Join(cfg.DataDir, "cache", "wazero"), Logger: a.Logger})
	if err != nil {
		return fmt.Errorf("plugin engine: %w", err)
	}
	a.closers = append(a.closers, func() { _ = eng.Close(context.Background()) })
	mailer := mail.New(mail.Options{Secrets: a.Secrets, Scrubber: a.Scrubber, Logger: a.Logger.Named("mail"), Sandbox: a.Gate.Enabled})
	loaded, failed := pluginload.LoadAll(ctx, cfg, pluginload.Deps{Engine: eng, Secrets: a.Secrets, Scrubber: a.Scrubber,
		Logger: a.Logger, Tracer: a.Tracer, Sandbox: a.Gate.Enabled, Mailer: mailer})
	for _, l := range loaded {
		a.Plugins = append(a.Plugins, l)
		a.closers = append(a.closers, func() { _ = l.Close(context.Background()) })
		if _, err := a.Registry.AddPlugin(l.Name, l.Plugin, l.Config.Primary); err != nil {
			a.Registry.Fail(l.Name, registry.Kind(l.Plugin.Descriptor().Kind), err)
			continue
		}
		if l.Plugin.Descriptor().Kind == abi.KindMessaging {
			*channels = append(*channels, messaging.Channel{Name: l.Name, Plugin: l.Plugin})
		}
	}
	for _, f := range failed {
		a.Registry.Fail(f.Name, "plugin", f.Err)
	}
	return nil
}

func (a *App) secretString(ctx context.Context, name string) (string, error) {
	v, err := a.Secrets.Get(ctx, name)
	return v.Reveal(), err
}

// docSearcher adapts *docstore.Store to registry.DocumentSearcher.
type docSearcher struct{ s *docstore.Store }

func (d docSearcher) SearchManuals(ctx context.Context, q string, k int, asset string, f map[string]string) (any, error) {
	return d.s.SearchManuals(ctx, q, k, asset, f)
}

// startDocstore opens the document store when [docstore] is configured or
// <data_dir>/docstore exists, and ingests docstore.manuals in the background
// (Ingested reports completion).
func (a *App) startDocstore(ctx context.Context) {
	cfg := a.Config
	var dc docstore.Config
	if err := cfg.Decode(cfg.Docstore, &dc); err != nil {
		a.Registry.Fail("docstore", registry.KindDocuments, fmt.Errorf("[docstore]: %w", err))
		close(a.ingested)
		return
	}
	if dc.Dir == "" && dc.Manuals == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "docstore")); err != nil {
			close(a.ingested)
			return
		}
	}
	log := a.Logger.Named("docstore")
	opts, err := dc.Options(cfg.DataDir, log, func(name string) (string, error) { return a.secretString(ctx, name) })
	if err == nil && opts.Dir != "" && !filepath.IsAbs(opts.Dir) && cfg.Dir() != "" {
		opts.Dir = filepath.Join(cfg.Dir(), opts.Dir)
	}
	var st *docstore.Store
	if err == nil {
		st, err = docstore.Open(ctx, opts)
	}
	if err != nil {
		a.Registry.Fail("docstore", registry.KindDocuments, err)
		close(a.ingested)
		return
	}
	a.Docs = st
	a.closers = append(a.closers, func() { _ = st.Close() })
	if _, err := a.Registry.AddDocuments("docstore", docSearcher{st}, func(context.Context) abi.HealthResponse {
		s := st.Stats()
		return abi.HealthResponse{Status: abi.HealthHealthy, Message: fmt.Sprintf("%d files, %d chunks", s.Files, s.Chunks)}
	}); err != nil {
		a.Registry.Fail("docstore", registry.KindDocuments, err)
	}
	if dc.Manuals == "" {
		close(a.ingested)
		return
	}
	dir := dc.Manuals
	if !filepath.IsAbs(dir) && cfg.Dir() != "" {
		dir = filepath.Join(cfg.Dir(), dir)
	}
	go func() {
		defer close(a.ingested)
		sum, err := st.IngestDir(ctx, dir, nil)
		if err != nil {
			log.Error("ingesting manuals failed", "error", err)
			return
		}
		log.Info("manuals ingested", "files_added", sum.Added, "files_updated", sum.Updated,
			"files_unchanged", sum.Unchanged, "chunks", sum.TotalChunks, "flagged", sum.FlaggedTotal)
	}()
}

// Ingested is closed when the startup ingestion of manuals has finished
// (at once when there is none).
func (a *App) Ingested() <-chan struct{} { return a.ingested }

// startOPCUA starts the OPC-UA manager when [[opcua.endpoint]] is configured.
func (a *App) startOPCUA(ctx context.Context) {
	cfg := a.Config
	var oc opcua.Config
	if err := cfg.Decode(cfg.OPCUA, &oc); err != nil {
		a.Registry.Fail("opcua", registry.KindSensors, fmt.Errorf("[opcua]: %w", err))
		return
	}
	if len(oc.Endpoints) == 0 {
		return
	}
	if cfg.Dir() != "" {
		oc.ResolvePaths(cfg.Dir())
	}
	m, err := opcua.NewManager(oc, opcua.Options{Logger: a.Logger.Named("opcua"), Secrets: opcua.SecretFunc(a.secretString), Store: a.Alarms})
	if err == nil {
		err = m.Start(ctx)
	}
	if err != nil {
		a.Registry.Fail("opcua", registry.KindSensors, err)
		return
	}
	a.OPCUA = m
	a.closers = append(a.closers, func() { _ = m.Close() })
	_, err = a.Registry.AddSensors("opcua", m, func(ctx context.Context) abi.HealthResponse {
		for _, h := range m.Health(ctx) {
			if h.Status != opcua.HealthOK {
				return abi.HealthResponse{Status: abi.HealthDegraded, Message: "endpoint " + h.Name + " " + h.State}
			}
		}
		return abi.HealthResponse{Status: abi.HealthHealthy}
	})
	if err != nil {
		a.Registry.Fail("opcua", registry.KindSensors, err)
	}
}

// startAgent builds the agent when [agent] names a provider, or for the
// alarm workflow alone when only that is enabled.
func (a *App) startAgent(ctx context.Context) error {
	ac := a.agentCfg
	if !ac.enabled() && !ac.AlarmWorkflow.Enabled {
		return nil
	}
	tb, err := agent.NewMCPToolbox(ctx, a.MCP.MCPServer())
	if err != nil {
		return err
	}
	a.Toolbox = tb
	a.closers = append(a.closers, func() { _ = tb.Close() })
	caps := a.Router.Capabilities()
	capNames := make([]string, len(caps))
	for i, c := range caps {
		capNames[i] = string(c)
	}
	log := a.Logger.Named("agent")
	prices := llm.DefaultPrices()
	for k, v := range ac.Prices {
		prices[k] = v
	}
	opts := agent.Options{
		Model: ac.Model, Temperature: ac.Temperature, MaxTokens: ac.MaxTokens, Tools: tb,
		Tracer: a.Tracer, Pricer: &llm.Pricer{Prices: prices, Logger: log}, Sandbox: a.Gate.Enabled(),
		NoConfirmations: ac.Confirmations != nil && !*ac.Confirmations, PlantName: firstNonEmpty(a.Config.Plant.Name, a.Config.Name),
		Capabilities: capNames, MaxSteps: ac.MaxSteps, Logger: log,
		Assets: a.assetCache(),
	}
	if ac.AlarmWorkflow.Enabled {
		opts.Workflows = []string{agent.WorkflowAlarmToWorkOrder}
	}
	if a.Docs != nil {
		opts.Docs = docs{a.Docs}
	}
	if ac.enabled() {
		timeout, _ := ac.timeout()
		lo := llm.Options{BaseURL: ac.BaseURL, Timeout: timeout, Logger: log.Named("llm")}
		if ac.APIKeySecret != "" {
			name := ac.APIKeySecret
			lo.APIKey = func(ctx context.Context) (string, error) { return a.secretString(ctx, name) }
		}
		switch ac.Provider {
		case "anthropic":
			if lo.BaseURL == "" {
				lo.BaseURL = "https://api.anthropic.com"
			}
			opts.Provider = llm.NewAnthropic(lo)
		default:
			if lo.BaseURL == "" {
				lo.BaseURL = "https://api.openai.com/v1"
			}
			opts.Provider = llm.NewOpenAI(lo)
		}
	}
	a.Agent = agent.New(opts)
	return nil
}

// assetCache lists assets for entity resolution, refreshed every minute.
func (a *App) assetCache() func(ctx context.Context) ([]abi.Asset, error) {
	var (
		mu     sync.Mutex
		assets []abi.Asset
		at     time.Time
	)
	return func(ctx context.Context) ([]abi.Asset, error) {
		mu.Lock()
		defer mu.Unlock()
		if assets != nil && time.Since(at) < time.Minute {
			return assets, nil
		}
		got, err := a.Router.ListAssets(ctx)
		if err != nil {
			return assets, err
		}
		assets, at = got, time.Now()
		return assets, nil
	}
}

// docs adapts the document store to the agent's DocSearcher.
type docs struct{ s *docstore.Store }

func (d docs) Search(ctx context.Context, query, assetID string, topK int) ([]agent.Doc, error) {
	q := docstore.Query{Text: query, TopK: topK}
	if assetID != "" {
		q.Filters = map[string]string{"asset_id": assetID}
	}
	res, err := d.s.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 && assetID != "" {
		q.Filters = nil
		if res, err = d.s.Search(ctx, q); err != nil {
			return nil, err
		}
	}
	out := make([]agent.Doc, len(res))
	for i, r := range res {
		out[i] = agent.Doc{Source: r.Source, Section: r.SectionTitle, Page: r.Page, Text: r.Content, Flagged: r.Flagged}
	}
	return out, nil
}

// agentHandler routes incoming chat messages to the agent (or logs them when
// no agent is configured or the channel is not one the agent answers).
type agentHandler struct{ app *App }

func (h *agentHandler) Handle(ctx context.Context, msg abi.Message) (string, error) {
	a := h.app
	if a.Agent == nil || !a.agentCfg.enabled() || !a.answers(msg.Channel) {
		return (&messaging.EchoHandler{Logger: a.Logger.Named("messaging")}).Handle(ctx, msg)
	}
	reply, err := a.Agent.Handle(ctx, msg)
	if err != nil {
		a.Logger.Warn("agent failed to answer", "channel", msg.Channel, "error", err)
		return "Sorry, I could not answer that right now: " + err.Error(), nil
	}
	return reply, nil
}

// HasLLM reports whether the agent has a language model (it may exist for
// the alarm workflow alone).
func (a *App) HasLLM() bool { return a.Agent != nil && a.agentCfg.enabled() }

func (a *App) answers(channel string) bool {
	if len(a.agentCfg.Channels) == 0 {
		return true
	}
	for _, c := range a.agentCfg.Channels {
		if strings.EqualFold(c, channel) {
			return true
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
