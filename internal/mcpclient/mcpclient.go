// Package mcpclient is the client half of the MCP conversations Machina's
// own commands, benchmarks and tests hold with an MCP server through
// mcp-go: start and initialise a client, call a tool, read a result's text.
// It speaks no protocol itself (mcp-go does) and knows nothing of
// Machina's tools.
package mcpclient

import (
	"context"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// Initialize starts c and initialises it as the client name (version),
// asking for the latest protocol version mcp-go speaks.
func Initialize(ctx context.Context, c *client.Client, name, version string) error {
	if err := c.Start(ctx); err != nil {
		return err
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: name, Version: version}
	_, err := c.Initialize(ctx, req)
	return err
}

// Text is the text content of a tool result, its text parts concatenated.
func Text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, part := range res.Content {
		if t, ok := part.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// Call runs the tool name with args and returns the result's text and
// whether the tool reported an error; err is a failure of the call itself
// (transport, protocol, context).
func Call(ctx context.Context, c *client.Client, name string, args map[string]any) (text string, isErr bool, err error) {
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return "", false, err
	}
	return Text(res), res.IsError, nil
}
