package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestDemoReachesReady runs `machina demo --exit` in process: simulators,
// plugins, manuals, HTTP with a generated token, and the self-check's tool
// calls must all succeed.
func TestDemoReachesReady(t *testing.T) {
	var out, errb bytes.Buffer
	state := t.TempDir()
	code := run(context.Background(), &cli{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }},
		[]string{"demo", "--exit", "--listen", "127.0.0.1:0", "--state", state, "--plugins", testplugin.DemoPlugins(t),
			"--manuals", filepath.Join(testplugin.Root(), "samples", "manuals")})
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	got := out.String()
	for _, want := range []string{"machina demo: ready", "machina_list_assets {} → ok", "machina_search_manuals",
		"WO-SANDBOX-0000", "[SANDBOX — no real message sent]", "Bearer"} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	tok, err := os.ReadFile(filepath.Join(state, "mcp-token"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(state, "mcp-token")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v", fi.Mode().Perm())
	}
	if strings.Count(got, strings.TrimSpace(string(tok))) != 1 {
		t.Fatal("the token must be printed exactly once")
	}
	if strings.Contains(errb.String(), strings.TrimSpace(string(tok))) {
		t.Fatal("the token leaked into the logs")
	}
}

// TestDemoStdioExternalClient runs `machina demo --transport stdio` with
// its standard streams on pipes and drives it with an MCP client, as a
// client that spawns the command would.
func TestDemoStdioExternalClient(t *testing.T) {
	// Everything that can fail the test is prepared here: t.Fatal must not
	// run on the command's goroutine.
	plugins, manuals, state := testplugin.DemoPlugins(t), filepath.Join(testplugin.Root(), "samples", "manuals"), t.TempDir()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb lockedBuf
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &cli{stdin: inR, stdout: outW, stderr: &errb, getenv: func(k string) string {
			if k == "MACHINA_LOG_LEVEL" {
				return "warn"
			}
			return ""
		}}, []string{"demo", "--transport", "stdio", "--state", state, "--plugins", plugins, "--manuals", manuals})
		outW.Close()
	}()
	c := client.NewClient(transport.NewIO(outR, inW, io.NopCloser(strings.NewReader(""))))
	defer func() {
		c.Close()
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo: exit %d\n%s", code, errb.String())
		}
	}()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "demo-test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil || len(tools.Tools) < 10 {
		t.Fatalf("tools: %v (%d)", err, len(tools.Tools))
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "machina_get_asset"
	req.Params.Arguments = map[string]any{"asset_id": "P-101"}
	res, err := c.CallTool(ctx, req)
	if err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	if text := res.Content[0].(mcp.TextContent).Text; !strings.Contains(text, `"id":"P-101"`) {
		t.Fatalf("result = %s", text)
	}
}
