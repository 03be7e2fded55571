package app

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/agent"
	"github.com/machina-go/machina/host/internal/docstore"
	"github.com/machina-go/machina/host/internal/llm"
	"github.com/machina-go/machina/host/internal/messaging"
)

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
		opts.Provider = a.llmProvider(log)
	}
	a.Agent = agent.New(opts)
	return a.restoreAgent()
}

// llmProvider is the client of the [agent] provider; the API key is read
// from the secrets registry at each request, never held here.
func (a *App) llmProvider(log hclog.Logger) llm.Provider {
	ac := a.agentCfg
	timeout, _ := ac.timeout()
	lo := llm.Options{BaseURL: ac.BaseURL, Timeout: timeout, Logger: log.Named("llm")}
	if ac.APIKeySecret != "" {
		name := ac.APIKeySecret
		lo.APIKey = func(ctx context.Context) (string, error) { return a.secretString(ctx, name) }
	}
	if ac.Provider == "anthropic" {
		if lo.BaseURL == "" {
			lo.BaseURL = "https://api.anthropic.com"
		}
		return llm.NewAnthropic(lo)
	}
	if lo.BaseURL == "" {
		lo.BaseURL = "https://api.openai.com/v1"
	}
	return llm.NewOpenAI(lo)
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
	if err != nil && ctx.Err() != nil {
		// The host is stopping: no apology is recorded as the answer; the
		// message stays unacknowledged and the next run answers it.
		return "", err
	}
	if err != nil {
		a.Logger.Warn("agent failed to answer", "channel", msg.Channel, "error", err)
		return "Sorry, I could not answer that right now: " + err.Error(), nil
	}
	return reply, nil
}
