package metrics_test

import (
	"fmt"
	"testing"

	"github.com/machina-go/machina/host/internal/metrics"
	"github.com/machina-go/machina/host/internal/policy"
)

// TestClientLabelsAreBounded: no caller can grow a family without bound —
// past MaxLabelValues distinct client ids, calls count under "other".
func TestClientLabelsAreBounded(t *testing.T) {
	m := metrics.New(nil)
	for i := range metrics.MaxLabelValues + 10 {
		m.ToolCall("machina_list_assets", fmt.Sprintf("client-%d", i), "ok")
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fams {
		if f.GetName() == "machina_tool_calls_total" {
			n = len(f.GetMetric())
		}
	}
	if n != metrics.MaxLabelValues+1 {
		t.Fatalf("%d series, want %d (+ other)", n, metrics.MaxLabelValues)
	}
}

// TestHTTPOutcomes: gated requests count by status class, refusal or
// transport error.
func TestHTTPOutcomes(t *testing.T) {
	m := metrics.New(func() uint64 { return 3 })
	for _, ev := range []policy.HTTPEvent{{Plugin: "p", Origin: "https://a.example", Status: 204},
		{Plugin: "p", Origin: "https://a.example", Status: 503}, {Plugin: "p", Origin: "https://a.example", Refusal: "origin"},
		{Plugin: "p", Origin: "https://a.example", Error: "timeout"}} {
		m.ObserveHTTP(t.Context(), ev)
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		switch f.GetName() {
		case "machina_plugin_http_requests_total":
			for _, s := range f.GetMetric() {
				for _, l := range s.GetLabel() {
					if l.GetName() == "outcome" {
						got[l.GetValue()] = s.GetCounter().GetValue()
					}
				}
			}
		case "machina_trace_records_dropped_total":
			got["dropped"] = f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	want := map[string]float64{"2xx": 1, "5xx": 1, metrics.OutcomeRefused: 1, metrics.OutcomeError: 1, "dropped": 3}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
