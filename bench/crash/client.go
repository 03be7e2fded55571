package main

import (
	"context"

	"github.com/machina-go/machina/bench/internal/harness"
	"github.com/mark3labs/mcp-go/client"
)

// harnessClient is an MCP session that a kill of the host ends.
type harnessClient struct{ *client.Client }

// connect opens a session, or returns nil while the host is down.
func connect(ctx context.Context, p *harness.Plant) *harnessClient {
	c, err := harness.Connect(ctx, p) // refused at once while the host is down
	if err != nil {
		return nil
	}
	return &harnessClient{c}
}
