package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// ToolInfo describes one tool the agent may call.
type ToolInfo struct {
	Name        string
	Description string
	Schema      json.RawMessage
	// ReadOnly is the tool's readOnlyHint; anything else is treated as a
	// write that needs confirmation.
	ReadOnly bool
}

// Toolbox lists and calls tools. The context carries the caller's identity
// (trace.WithCall), so tool handlers attribute the call to the chat user.
type Toolbox interface {
	List(ctx context.Context) ([]ToolInfo, error)
	// Call runs a tool. isError reports a tool-level error (bad arguments,
	// not found); err is a transport failure.
	Call(ctx context.Context, name string, args map[string]any) (text string, isError bool, err error)
}

// MCPToolbox serves tools from an MCP server in the same process.
type MCPToolbox struct {
	c *client.Client
}

// NewMCPToolbox connects an in-process client to s.
func NewMCPToolbox(ctx context.Context, s *server.MCPServer) (*MCPToolbox, error) {
	c, err := client.NewInProcessClient(s)
	if err != nil {
		return nil, fmt.Errorf("agent toolbox: %w", err)
	}
	if err := mcpclient.Initialize(ctx, c, "machina-agent", "1"); err != nil {
		return nil, fmt.Errorf("agent toolbox: %w", err)
	}
	return &MCPToolbox{c: c}, nil
}

// List implements Toolbox.
func (t *MCPToolbox) List(ctx context.Context) ([]ToolInfo, error) {
	res, err := t.c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return nil, err
	}
	out := make([]ToolInfo, 0, len(res.Tools))
	for _, tl := range res.Tools {
		schema, _ := json.Marshal(tl.InputSchema)
		if len(tl.RawInputSchema) > 0 {
			schema = tl.RawInputSchema
		}
		ro := tl.Annotations.ReadOnlyHint != nil && *tl.Annotations.ReadOnlyHint
		out = append(out, ToolInfo{Name: tl.Name, Description: tl.Description, Schema: schema, ReadOnly: ro})
	}
	return out, nil
}

// Call implements Toolbox.
func (t *MCPToolbox) Call(ctx context.Context, name string, args map[string]any) (string, bool, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := t.c.CallTool(ctx, req)
	if err != nil {
		return "", false, err
	}
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n"), res.IsError, nil
}

// Close closes the client.
func (t *MCPToolbox) Close() error { return t.c.Close() }
