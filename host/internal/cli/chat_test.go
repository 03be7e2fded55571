package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/host/internal/llm/llmtest"
	"github.com/machina-go/machina/host/internal/testplugin"
)

// TestChatLoop drives the terminal chat over the demo stack with a scripted
// model: a question answered from a tool call, then /quit.
func TestChatLoop(t *testing.T) {
	fake := llmtest.New(
		llmtest.Step{Calls: []llmtest.Call{{Name: "machina_get_asset", Args: map[string]any{"asset_id": "P-101"}}}},
		llmtest.Step{Text: "P-101 is the centrifugal pump in the utilities area."})
	defer fake.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := demo.Start(ctx, demo.Options{PluginsDir: testplugin.DemoPlugins(t), ManualsDir: filepath.Join(testplugin.Root(), "samples", "manuals"),
		StateDir: t.TempDir(), Sandbox: true, Listen: "127.0.0.1:0", LLMURL: fake.OpenAIURL(), LLMModel: "gpt-4o-mini", Static: true})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg, err := config.Load(env.ConfigPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: &logs, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out bytes.Buffer
	if code := chatLoop(ctx, a, strings.NewReader("what is P-101?\n/quit\n"), &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	got := out.String()
	if !strings.Contains(got, "sandbox mode") || !strings.Contains(got, "P-101 is the centrifugal pump") {
		t.Fatalf("chat output:\n%s", got)
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || !strings.Contains(strings.Join(reqs[1].Messages, "\n"), `"id":"P-101"`) {
		t.Fatalf("the model did not receive the tool result: %+v", reqs)
	}
}
