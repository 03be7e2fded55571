package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/agent"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/docstore"
	"github.com/machina-go/machina/host/internal/logging"
	"github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/messaging"
	"github.com/machina-go/machina/host/internal/metrics"
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

// Parts selects the components Build starts besides the core every host
// has: the redacting logger, the secrets registry, the sandbox gate, the
// component registry and the router. Combine them with |.
type Parts uint

// The parts a host can be built with.
const (
	// Trace is the JSONL tracer (unless [trace] disabled is set).
	Trace Parts = 1 << iota
	// Plugins loads every enabled [[plugin]] (audited, under its grant).
	Plugins
	// Docstore opens the document store when [docstore] is configured (or
	// <data_dir>/docstore exists) and ingests its manuals in the background.
	Docstore
	// OPCUA starts the [[opcua.endpoint]] sessions.
	OPCUA
	// MQTT starts the [[mqtt.broker]] sessions.
	MQTT
	// Messaging routes incoming chat messages of the messaging plugins.
	Messaging
	// MCP is the MCP server over the router.
	MCP
	// Agent is the chat agent and the alarm workflow of [agent]; it implies
	// MCP (the agent calls tools through an in-process MCP client).
	Agent

	// Core is no part but the core: what `machina doctor` builds to check
	// that the host assembles from a configuration.
	Core Parts = 0
	// All is every part: what serve, demo, chat and host.New run.
	All = Trace | Plugins | Docstore | OPCUA | MQTT | Messaging | MCP | Agent
)

// Has reports whether p includes every part of q.
func (p Parts) Has(q Parts) bool { return p&q == q }

// Options are what the process gives the app besides the configuration.
type Options struct {
	// Stderr receives logs (default os.Stderr). Never stdout: it may be the
	// MCP stdio transport.
	Stderr io.Writer
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Version is the host version.
	Version string
	// LogLevel, when set, overrides [log] level (commands that print
	// results keep the host quiet).
	LogLevel string
	// MessageHandler, when set, receives incoming chat messages instead of
	// the agent (or the logging echo handler when no agent is configured).
	MessageHandler messaging.Handler
	// Docstore, when set, replaces the [docstore] table (`machina docs`
	// applies its flags to it): the store is opened at its Dir even when
	// nothing is configured, and its Manuals are ingested as usual.
	Docstore *docstore.Config
	// OPCUA, when set, replaces the [opcua] table (`machina opcua check
	// --endpoint` narrows it).
	OPCUA *opcua.Config

	// Engine, when set, runs the plugins instead of an engine of the app's
	// own; the caller closes it (the conformance kit shares one).
	Engine *plugin.Engine
	// Tracer, when set, is used instead of building one from [trace] (the
	// Trace part is then implied); the caller closes it.
	Tracer *trace.Tracer
	// Gate, when set, is the sandbox gate instead of one from cfg.Sandbox
	// (the conformance kit switches it during a run).
	Gate *sandbox.Gate
	// MapOrigin, when set, rewrites each origin pattern a plugin's manifest
	// requests before its policy is resolved (see pluginload.Deps).
	MapOrigin func(plugin, pattern string) string
}

// App is a running host.
type App struct {
	Config   *config.Config
	Parts    Parts
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
	// Metrics is the host's Prometheus registry: tool calls, plugin calls,
	// gated HTTP requests, instance events, alarms, dropped trace entries.
	Metrics *metrics.Metrics

	opts     Options
	agentCfg AgentConfig
	closers  []func()
	ingested chan struct{}
	once     sync.Once
}

// Build is the one assembly of a Machina host: it starts the parts of cfg
// that parts selects, in dependency order. Components that fail are
// recorded in the registry (see Registry.Failures) and the rest start;
// Build itself fails only when the host cannot run at all (secrets,
// tracer, agent config).
func Build(ctx context.Context, cfg *config.Config, parts Parts, opts Options) (*App, error) {
	if parts.Has(Agent) {
		parts |= MCP
	}
	if opts.Tracer != nil {
		parts |= Trace
	}
	a := &App{Config: cfg, Parts: parts, opts: opts, ingested: make(chan struct{})}
	if err := a.buildCore(); err != nil {
		return nil, err
	}
	if err := a.buildParts(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// buildCore builds what every host has: logger, secrets, [agent] check,
// tracer, sandbox gate and registry.
func (a *App) buildCore() error {
	cfg, opts := a.Config, &a.opts
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	level := cfg.Log.Level
	if opts.LogLevel != "" {
		level = opts.LogLevel
	}
	a.Scrubber = secrets.NewScrubber()
	a.Logger = logging.New(logging.Options{Name: "machina", Level: level, JSON: cfg.Log.JSON, Output: opts.Stderr, Scrubber: a.Scrubber})
	sec, err := secrets.NewRegistry(cfg.Secrets, secrets.Options{Getenv: opts.Getenv, Logger: a.Logger.Named("secrets"), Scrubber: a.Scrubber})
	if err != nil {
		return fmt.Errorf("[secrets]: %w", err)
	}
	a.Secrets = sec
	if err := cfg.Decode(cfg.Agent, &a.agentCfg); err != nil {
		return fmt.Errorf("[agent]: %w", err)
	}
	if a.agentCfg.Provider != "" {
		if err := a.agentCfg.validate(); err != nil {
			return fmt.Errorf("[agent]: %w", err)
		}
	}
	if err := a.startTracer(); err != nil {
		return err
	}
	a.Metrics = metrics.New(a.Tracer.Dropped)
	a.Gate = opts.Gate
	if a.Gate == nil {
		a.Gate = sandbox.New(cfg.Sandbox, a.Logger.Named("sandbox"))
	}
	if a.Gate.Enabled() && a.Parts.Has(Plugins) {
		a.Logger.Info("sandbox mode: write operations are logged and never sent to the CMMS or messaging systems",
			"reason", "sandbox = true or MACHINA_SANDBOX_MODE=true")
	}
	a.Registry = registry.New(a.Logger.Named("registry"))
	return nil
}

func (a *App) startTracer() error {
	cfg := a.Config
	if a.opts.Tracer != nil {
		a.Tracer = a.opts.Tracer
		return nil
	}
	if !a.Parts.Has(Trace) || cfg.Trace.Disabled {
		return nil
	}
	tr, err := trace.New(trace.Options{Dir: cfg.Trace.Dir, Getenv: a.opts.Getenv, MaxFileBytes: cfg.Trace.MaxFileBytes,
		Retain: cfg.Trace.Retain, Fsync: cfg.Trace.Fsync, HashChain: cfg.Trace.HashChain, Scrubber: a.Scrubber, Logger: a.Logger.Named("trace")})
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	a.Tracer = tr
	a.closers = append(a.closers, func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Close(cctx)
	})
	return nil
}

// buildParts starts the selected parts, then the router over them.
func (a *App) buildParts(ctx context.Context) error {
	var channels []messaging.Channel
	if a.Parts.Has(Plugins) {
		var err error
		if channels, err = a.loadPlugins(ctx); err != nil {
			return err
		}
	}
	if a.Parts.Has(Docstore) {
		a.startDocstore(ctx)
	} else {
		close(a.ingested)
	}
	if err := a.openAlarms(); err != nil {
		return err
	}
	if a.Parts.Has(OPCUA) {
		a.startOPCUA(ctx)
	}
	if a.Parts.Has(MQTT) {
		a.startMQTT(ctx)
	}
	if a.Parts.Has(Messaging) && len(channels) > 0 {
		if err := a.startMessaging(channels); err != nil {
			return err
		}
	}
	ropts := router.Options{Registry: a.Registry, Sandbox: a.Gate, Tracer: a.Tracer, Logger: a.Logger.Named("router")}
	if a.Messaging != nil {
		ropts.Messenger = a.Messaging
	}
	var err error
	if a.Router, err = router.New(ropts); err != nil {
		return err
	}
	if a.Parts.Has(MCP) {
		a.MCP, err = mcp.New(mcp.Options{Router: a.Router, Tracer: a.Tracer, Logger: a.Logger.Named("mcp"), Version: a.opts.Version,
			NoWriteConfirmation: !a.Config.MCP.ConfirmsWrites(), VendorTools: a.Config.MCP.VendorTools, Metrics: a.Metrics})
		if err != nil {
			return err
		}
		a.closers = append(a.closers, a.MCP.Close)
	}
	if a.Parts.Has(Agent) {
		return a.startAgent(ctx)
	}
	return nil
}

func (a *App) startMessaging(channels []messaging.Channel) error {
	handler := a.opts.MessageHandler
	if handler == nil {
		handler = &agentHandler{app: a}
	}
	ledger, err := a.openInbox()
	if err != nil {
		return err
	}
	m, err := messaging.New(messaging.Options{Channels: channels, Handler: handler, Gate: a.Gate,
		Logger: a.Logger.Named("messaging"), Tracer: a.Tracer, Ledger: ledger})
	if err != nil {
		return fmt.Errorf("messaging: %w", err)
	}
	a.Messaging = m
	return nil
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
			a.resumeAlarms(ctx)
			a.alarmLoop(ctx, events)
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func (a *App) alarmLoop(ctx context.Context, events <-chan sensor.AlarmEvent) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if !ev.Alarm.Cleared {
				a.HandleAlarm(ctx, ev.Alarm)
			}
		}
	}
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

func (a *App) secretString(ctx context.Context, name string) (string, error) {
	v, err := a.Secrets.Get(ctx, name)
	return v.Reveal(), err
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
