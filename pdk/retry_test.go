package pdk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

func TestHTTPWithRetry(t *testing.T) {
	var calls atomic.Int32
	statuses := []int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		st := 200
		if n < len(statuses) {
			st = statuses[n]
		}
		if st == 429 {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(st)
	}))
	defer srv.Close()
	ctx := pdk.WithNativeHost(context.Background(), &pdktest.Host{})
	fast := pdk.RetryPolicy{Base: time.Millisecond, Max: 5 * time.Millisecond}
	cases := []struct {
		name       string
		statuses   []int
		idempotent bool
		calls      int32
		final      int
	}{
		{"429 retried for writes too", []int{429, 200}, false, 2, 200},
		{"503 retried when idempotent", []int{503, 503, 200}, true, 3, 200},
		{"503 not retried for a write", []int{503, 200}, false, 1, 503},
		{"gives up after the retries", []int{503, 503, 503, 503, 503}, true, 4, 503},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls.Store(0)
			statuses = c.statuses
			p := fast
			p.Idempotent = c.idempotent
			resp, err := pdk.HTTPWithRetry(ctx, abi.HTTPRequest{Method: "GET", URL: srv.URL}, p)
			if err != nil || resp.Status != c.final || calls.Load() != c.calls {
				t.Fatalf("status %d err %v after %d calls; want %d after %d", resp.Status, err, calls.Load(), c.final, c.calls)
			}
		})
	}
	if d := (pdk.RetryPolicy{}).Backoff(10); d != 8*time.Second {
		t.Fatalf("backoff cap = %v", d)
	}
}
