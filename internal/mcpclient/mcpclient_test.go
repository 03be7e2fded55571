package mcpclient_test

import (
	"context"
	"testing"

	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// TestCall drives an in-process mcp-go server with two tools: one answers
// two text parts and an image (the text is the parts joined, the image
// left out), one reports a tool error; an unknown tool fails the call.
func TestCall(t *testing.T) {
	s := server.NewMCPServer("test", "1")
	s.AddTool(mcp.NewTool("two_parts"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{
			mcp.NewTextContent("first,"), mcp.NewImageContent("AAAA", "image/png"), mcp.NewTextContent("second"),
		}}, nil
	})
	s.AddTool(mcp.NewTool("fails"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultError("no such asset"), nil
	})
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := mcpclient.Initialize(ctx, c, "mcpclient-test", "1"); err != nil {
		t.Fatal(err)
	}
	if text, isErr, err := mcpclient.Call(ctx, c, "two_parts", nil); err != nil || isErr || text != "first,second" {
		t.Errorf("two_parts = %q, %v, %v", text, isErr, err)
	}
	if text, isErr, err := mcpclient.Call(ctx, c, "fails", map[string]any{"x": 1}); err != nil || !isErr || text != "no such asset" {
		t.Errorf("fails = %q, %v, %v", text, isErr, err)
	}
	if _, _, err := mcpclient.Call(ctx, c, "missing", nil); err == nil {
		t.Error("an unknown tool did not fail the call")
	}
}
