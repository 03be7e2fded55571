package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

func httpClient(ctx context.Context, url, token string) (*client.Client, error) {
	c, err := client.NewStreamableHttpClient(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		return nil, err
	}
	return c, initClient(ctx, c)
}

func inProcess(ctx context.Context, a *app.App) (*client.Client, error) {
	c, err := client.NewInProcessClient(a.MCP.MCPServer())
	if err != nil {
		return nil, err
	}
	return c, initClient(ctx, c)
}

func initClient(ctx context.Context, c *client.Client) error {
	return mcpclient.Initialize(ctx, c, "machina-demo", version)
}

// selfCheckCall is one tool call of the self-check.
type selfCheckCall struct {
	tool string
	args map[string]any
}

// selfCheckCalls are the demo's tool calls: reads through each kind of
// connector, a write, and a message to the technicians' chat (a bare chat
// id, as the tool's schema says).
func selfCheckCalls(env *demo.Env) []selfCheckCall {
	asset := env.FirstCriticalAsset()
	return []selfCheckCall{
		{"machina_list_assets", nil},
		{"machina_get_asset", map[string]any{"asset_id": asset}},
		{"machina_list_work_orders", map[string]any{"asset_id": asset}},
		{"machina_search_manuals", map[string]any{"query": "how do I replace the mechanical seal", "top_k": 2}},
		{"machina_get_sensor_reading", map[string]any{"asset_id": "P-101"}},
		{"machina_create_work_order", map[string]any{"asset_id": asset, "description": "Demo: inspect seal for weeping", "priority": "high"}},
		{"machina_send_message", map[string]any{"channel": fmt.Sprint(demo.TelegramChat), "text": "Machina demo is up."}},
	}
}

// selfCheck calls a few tools through a real MCP client and prints what
// came back. It fails when a call fails.
func selfCheck(ctx context.Context, w io.Writer, c *client.Client, env *demo.Env) error {
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return err
	}
	names := make([]string, len(tools.Tools))
	for i, t := range tools.Tools {
		names[i] = t.Name
	}
	fmt.Fprintf(w, "\n── %d tools: %s\n", len(names), strings.Join(names, ", "))
	for _, call := range selfCheckCalls(env) {
		text, isErr, err := mcpclient.Call(ctx, c, call.tool, call.args)
		if err != nil {
			return fmt.Errorf("%s: %w", call.tool, err)
		}
		status := "ok"
		if isErr {
			status = "tool error"
		}
		fmt.Fprintf(w, "\n── %s %s → %s\n%s\n", call.tool, compact(call.args), status, preview(text, 600))
		if isErr {
			return fmt.Errorf("%s returned an error: %s", call.tool, preview(text, 200))
		}
	}
	return nil
}

func compact(v map[string]any) string {
	if len(v) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// preview pretty-prints JSON and cuts long output.
func preview(s string, n int) string {
	var v any
	if json.Unmarshal([]byte(s), &v) == nil {
		if list, ok := v.([]any); ok && len(list) > 3 {
			v = append(list[:3:3], fmt.Sprintf("… %d more", len(list)-3))
		}
		if b, err := json.MarshalIndent(v, "   ", "  "); err == nil {
			s = "   " + string(b)
		}
	}
	if len(s) > n {
		s = s[:n] + " …"
	}
	return s
}
