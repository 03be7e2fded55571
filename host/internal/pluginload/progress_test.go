package pluginload

import (
	"context"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/progress"
)

// TestHTTPProgress: each upstream answer a plugin gets (a page, when it
// pages) is one progress step for the request that caused it; refused
// requests are not; the path never reaches the message.
func TestHTTPProgress(t *testing.T) {
	var steps []string
	ctx := progress.With(context.Background(), func(m string) { steps = append(steps, m) })
	o := TraceObserver{}
	o.ObserveHTTP(ctx, policy.HTTPEvent{Plugin: "cmms-maximo", Method: "GET", Path: "/maximo/oslc/os/mxasset", Status: 200, ResponseBytes: 5120})
	o.ObserveHTTP(ctx, policy.HTTPEvent{Plugin: "cmms-maximo", Method: "GET", Refusal: "origin not granted"})
	o.ObserveHTTP(context.Background(), policy.HTTPEvent{Plugin: "cmms-maximo", Status: 200})
	if len(steps) != 1 || !strings.Contains(steps[0], "HTTP 200") || strings.Contains(steps[0], "/maximo") {
		t.Fatalf("steps = %q", steps)
	}
}
