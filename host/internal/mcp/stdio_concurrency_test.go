package mcp_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

// serveStdioPipes serves e over in-memory stdio pipes and returns an
// initialised client.
func serveStdioPipes(t *testing.T, e *env) *client.Client {
	t.Helper()
	in, out, _ := e.serveStdio(t)
	c := client.NewClient(transport.NewIO(out, in, io.NopCloser(strings.NewReader(""))))
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	return c
}

// TestStdioConcurrentReadsRightAfterStart: many read calls in flight at
// once, right after the handshake, all complete — none is cancelled now
// that reads follow their request's cancellation. (cmd/machina's binary
// test fires a burst the same way at the real process.)
func TestStdioConcurrentReadsRightAfterStart(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true})
	c := serveStdioPipes(t, e)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 32 {
		wg.Go(func() {
			tool, args := "machina_get_asset", map[string]any{"asset_id": "P-101"}
			if i%2 == 1 {
				tool, args = "machina_list_work_orders", nil
			}
			res, err := c.CallTool(context.Background(), toolReq(tool, args))
			if err != nil {
				errs <- err.Error()
			} else if res.IsError {
				errs <- mcpclient.Text(res)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
