package mcp_test

import (
	"context"
	"io"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

// serveStdioPipes serves e over in-memory stdio pipes and returns a client.
func serveStdioPipes(t *testing.T, e *env) *client.Client {
	t.Helper()
	cr, sw := io.Pipe() // server → client
	sr, cw := io.Pipe() // client → server
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.ServeStdio(ctx, sr, sw) }()
	c := client.NewClient(transport.NewIO(cr, cw, io.NopCloser(nil)))
	t.Cleanup(func() {
		c.Close()
		cancel()
		cw.Close()
		sw.Close()
		<-done
	})
	initialize(t, c)
	return c
}

// TestStdioConcurrentReadsRightAfterStart: many read calls in flight at
// once, right after the handshake, all complete — none is cancelled now
// that reads follow their request's cancellation.
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
				errs <- resultText(res)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestStdioBinaryConcurrentReads is the same against the real binary, as a
// desktop client spawns it: calls fired together the moment the handshake
// is done.
func TestStdioBinaryConcurrentReads(t *testing.T) {
	bin := machinaBinary(t)
	cfg, _ := stdioConfig(t)
	c, err := client.NewStdioMCPClient(bin, childEnv, "serve", "--config", cfg, "--transport", "stdio")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for range 24 {
		wg.Go(func() {
			res, err := c.CallTool(context.Background(), toolReq("machina_get_asset", map[string]any{"asset_id": "P-101"}))
			if err != nil {
				errs <- err.Error()
			} else if res.IsError {
				errs <- resultText(res)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
