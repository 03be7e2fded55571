package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MaxLabelValues bounds the distinct values of an open label (client,
// origin) per family; later values are counted as Other.
const MaxLabelValues = 64

// Other is the label value of everything past MaxLabelValues.
const Other = "other"

// Outcomes of gated plugin HTTP requests besides the status classes
// ("2xx" … "5xx").
const (
	OutcomeRefused = "refused" // the policy refused the request
	OutcomeError   = "error"   // the request failed (transport, timeout)
)

// Plugin instance events.
const (
	InstanceRecycled = "recycled"
	InstanceTrapped  = "trap"
)

// Metrics holds one host's registry and its families. A nil *Metrics
// records nothing, so components may carry an optional one.
type Metrics struct {
	reg          *prometheus.Registry
	toolCalls    *prometheus.CounterVec
	pluginCalls  *prometheus.HistogramVec
	httpRequests *prometheus.CounterVec
	recycles     *prometheus.CounterVec
	traps        *prometheus.CounterVec
	alarms       *prometheus.CounterVec

	clients *bounded
	origins *bounded
}

// New registers the families, the Go runtime and process collectors, and
// machina_trace_records_dropped_total read from dropped (nil: always 0).
func New(dropped func() uint64) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "machina_tool_calls_total",
			Help: "MCP tool calls by tool, client id (from the token table) and outcome (ok, an ABI error code, not_confirmed, cancelled)."},
			[]string{"tool", "client", "outcome"}),
		pluginCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "machina_plugin_call_duration_seconds",
			Help:    "Latency of calls into plugin instances by plugin and operation (ABI export).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"plugin", "operation"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "machina_plugin_http_requests_total",
			Help: "Outbound plugin HTTP requests through the policy gate by plugin, origin and outcome (2xx..5xx, refused, error)."},
			[]string{"plugin", "origin", "outcome"}),
		recycles: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "machina_plugin_instance_recycles_total",
			Help: "Plugin instances replaced after their call budget."}, []string{"plugin"}),
		traps: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "machina_plugin_traps_total",
			Help: "Plugin instances discarded after a trap (panic, out of memory, timeout, exit, oversized output)."}, []string{"plugin"}),
		alarms: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "machina_alarms_total",
			Help: "Sensor alarms raised and cleared, by severity."}, []string{"event", "severity"}),
		clients: newBounded(MaxLabelValues),
		origins: newBounded(MaxLabelValues),
	}
	if dropped == nil {
		dropped = func() uint64 { return 0 }
	}
	// Every alarm event and severity starts at zero, so the family is
	// there before the first alarm.
	for _, ev := range []string{"raised", "cleared"} {
		for _, sev := range []abi.Severity{abi.SeverityCritical, abi.SeverityWarning, abi.SeverityInfo} {
			m.alarms.WithLabelValues(ev, string(sev))
		}
	}
	m.reg.MustRegister(m.toolCalls, m.pluginCalls, m.httpRequests, m.recycles, m.traps, m.alarms,
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "machina_trace_records_dropped_total",
			Help: "Trace entries dropped (buffer full, tracer closed or a failed write)."},
			func() float64 { return float64(dropped()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Plugin starts a loaded plugin's instance counters at zero, so the
// recycle and trap families are present (and rate() works) before the
// first event.
func (m *Metrics) Plugin(name string) {
	if m == nil {
		return
	}
	m.recycles.WithLabelValues(name)
	m.traps.WithLabelValues(name)
}

// Registry is the host's registry (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return nil
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ToolCall counts one MCP tool call. client is the caller's id from the
// token table ("stdio" on stdio).
func (m *Metrics) ToolCall(tool, client, outcome string) {
	if m == nil {
		return
	}
	if client == "" {
		client = "unknown"
	}
	m.toolCalls.WithLabelValues(tool, m.clients.value(client), outcome).Inc()
}

// PluginCall observes one call into a plugin instance.
func (m *Metrics) PluginCall(plugin, operation string, d time.Duration) {
	if m == nil {
		return
	}
	m.pluginCalls.WithLabelValues(plugin, operation).Observe(d.Seconds())
}

// PluginInstance counts an instance event: InstanceRecycled or
// InstanceTrapped.
func (m *Metrics) PluginInstance(plugin, event string) {
	if m == nil {
		return
	}
	switch event {
	case InstanceRecycled:
		m.recycles.WithLabelValues(plugin).Inc()
	case InstanceTrapped:
		m.traps.WithLabelValues(plugin).Inc()
	}
}

// ObserveHTTP implements policy.HTTPObserver: one gated request.
func (m *Metrics) ObserveHTTP(_ context.Context, ev policy.HTTPEvent) {
	if m == nil {
		return
	}
	outcome := OutcomeError
	switch {
	case ev.Refusal != "":
		outcome = OutcomeRefused
	case ev.Error != "":
	case ev.Status >= 100 && ev.Status < 600:
		outcome = strconv.Itoa(ev.Status/100) + "xx"
	}
	origin := ev.Origin
	if origin == "" {
		origin = "invalid"
	}
	m.httpRequests.WithLabelValues(ev.Plugin, m.origins.value(origin), outcome).Inc()
}

// Alarm counts an alarm event ("raised" or "cleared").
func (m *Metrics) Alarm(event, severity string) {
	if m == nil {
		return
	}
	if severity == "" {
		severity = "unknown"
	}
	m.alarms.WithLabelValues(event, severity).Inc()
}

// bounded admits the first max distinct label values and maps the rest to
// Other, so no caller can grow a family without bound.
type bounded struct {
	mu   sync.Mutex
	max  int
	seen map[string]bool
}

func newBounded(max int) *bounded { return &bounded{max: max, seen: map[string]bool{}} }

func (b *bounded) value(v string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[v] {
		return v
	}
	if len(b.seen) >= b.max {
		return Other
	}
	b.seen[v] = true
	return v
}
