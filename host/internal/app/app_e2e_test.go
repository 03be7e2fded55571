package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/demo"
	"github.com/machina-go/machina/host/internal/llm/llmtest"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/trace"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
	"github.com/machina-go/machina/internal/testcache"
)

// stack is the whole host built from a demo environment, with a scripted
// LLM: Telegram simulator → telegram plugin → agent → MCP tools → router →
// cmms-maximo plugin → Maximo simulator.
type stack struct {
	env  *demo.Env
	app  *app.App
	llm  *llmtest.Server
	dir  string
	stop context.CancelFunc
}

var woID = regexp.MustCompile(`WO\d{3,}`)

// scriptedModel answers like a competent model would, from what it is sent.
func scriptedModel(rec llmtest.Recorded) llmtest.Step {
	last := rec.Messages[len(rec.Messages)-1]
	switch {
	case strings.HasPrefix(last, "tool: ") && strings.Contains(last, "machina_list_work_orders"):
		ids := woID.FindAllString(last, -1)
		return llmtest.Step{Text: "Open work orders on P-101: " + strings.Join(ids, ", ")}
	case strings.HasPrefix(last, "tool: "):
		return llmtest.Step{Text: "Done."}
	case strings.Contains(last, "which work orders"):
		return llmtest.Step{Calls: []llmtest.Call{{Name: "machina_list_work_orders", Args: map[string]any{"asset_id": "P-101"}}}}
	case strings.Contains(last, "create a work order"):
		return llmtest.Step{Calls: []llmtest.Call{{Name: "machina_create_work_order",
			Args: map[string]any{"asset_id": "P-101", "description": "Replace the mechanical seal", "priority": "high"}}}}
	}
	return llmtest.Step{Text: "How can I help?"}
}

func newStack(t *testing.T, sandbox bool) *stack {
	t.Helper()
	return newStackWith(t, sandbox, "", nil)
}

// newStackWith builds the stack with extra TOML appended to the demo's
// machina.toml (e.g. an [[mqtt.broker]] section) and lines added to its
// tables (e.g. "secrets": `name = "file:…"`, "mcp": "vendor_tools = true").
func newStackWith(t *testing.T, sandbox bool, extra string, tables map[string]string) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &stack{llm: llmtest.New(), dir: t.TempDir(), stop: cancel}
	s.llm.Respond(scriptedModel)
	env, err := demo.Start(ctx, demo.Options{PluginsDir: testplugin.DemoPlugins(t), ManualsDir: filepath.Join(testplugin.Root(), "samples", "manuals"),
		StateDir: s.dir, Sandbox: sandbox, Listen: "127.0.0.1:0", LLMURL: s.llm.OpenAIURL(), LLMModel: "gpt-4o-mini", Static: true})
	if err != nil {
		t.Fatal(err)
	}
	s.env = env
	if err := extendConfig(env.ConfigPath, extra, tables); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(env.ConfigPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	shareCompilationCache(t, cfg.DataDir)
	a, err := app.Build(ctx, cfg, app.All, app.Options{Stderr: &logSink{t: t}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	s.app = a
	if f := a.Registry.Failures(); len(f) > 0 {
		t.Fatalf("components failed: %+v", f)
	}
	<-a.Ingested()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := a.OPCUA.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	go a.Run(ctx)
	t.Cleanup(func() {
		cancel()
		a.Close()
		env.Close()
		s.llm.Close()
	})
	return s
}

// extendConfig appends extra to the configuration at path and adds lines
// to its existing tables (table name → TOML lines).
func extendConfig(path, extra string, tables map[string]string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(b)
	for table, lines := range tables {
		h := "\n[" + table + "]\n"
		if !strings.Contains(text, h) {
			return fmt.Errorf("the demo configuration has no [%s] table", table)
		}
		text = strings.Replace(text, h, h+lines+"\n", 1)
	}
	return os.WriteFile(path, []byte(text+"\n"+extra), 0o600)
}

// shareCompilationCache points the data directory's wazero cache at the
// test processes' shared one: compiling the plugins dominates start-up,
// above all under -race.
func shareCompilationCache(t *testing.T, dataDir string) {
	t.Helper()
	testcache.Share(t, dataDir)
}

type logSink struct{ t *testing.T }

func (l *logSink) Write(p []byte) (int, error) { return len(p), nil }

func (s *stack) say(t *testing.T, text string) simtg.Sent {
	t.Helper()
	before := len(s.env.Telegram.Sent())
	s.env.Telegram.InjectText(demo.TelegramChat, simtg.User{ID: 7, FirstName: "Ann"}, text)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sent, err := s.env.Telegram.WaitSent(ctx, before+1)
	if err != nil {
		t.Fatalf("no reply to %q: %v", text, err)
	}
	return sent[before]
}

func TestTelegramToMaximoThroughTheAgent(t *testing.T) {
	s := newStack(t, false)
	reply := s.say(t, "which work orders are open on P-101?")
	recs := s.env.Maximo.Records("mxwo")
	var want []string
	for _, r := range recs {
		if r["assetnum"] == "P-101" {
			want = append(want, r["wonum"].(string))
		}
	}
	if len(want) == 0 || !strings.Contains(reply.Text, want[0]) {
		t.Fatalf("reply %q does not carry the simulator's work orders %v", reply.Text, want)
	}

	// A write is proposed, then executed only after "yes".
	writes := s.env.Maximo.Stats().Writes
	reply = s.say(t, "please create a work order to replace the seal on P-101")
	if !strings.Contains(reply.Text, `Reply "yes"`) {
		t.Fatalf("want a confirmation question, got %q", reply.Text)
	}
	if got := s.env.Maximo.Stats().Writes; got != writes {
		t.Fatalf("the simulator saw a write before confirmation (%d → %d)", writes, got)
	}
	reply = s.say(t, "yes")
	if got := s.env.Maximo.Stats().Writes; got != writes+1 {
		t.Fatalf("writes after yes: %d, want %d; reply %q", got, writes+1, reply.Text)
	}
	if !strings.HasPrefix(reply.Text, "Done: work order") {
		t.Fatalf("reply = %q", reply.Text)
	}

	// What the model was sent: no paths, no secrets, manuals delimited.
	var secretValues []string
	files, _ := filepath.Glob(filepath.Join(s.dir, "secrets", "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		secretValues = append(secretValues, strings.TrimSpace(string(b)))
	}
	secretValues = append(secretValues, s.env.Token)
	sawManual := false
	for _, r := range s.llm.Requests() {
		text := r.System + "\n" + strings.Join(r.Messages, "\n")
		for _, bad := range append([]string{s.dir, "/home/", `C:\Users`}, secretValues...) {
			if strings.Contains(text, bad) || strings.Contains(r.Raw, bad) {
				t.Fatalf("the model was sent %q", bad)
			}
		}
		if strings.Contains(text, "<<<UNTRUSTED DOCUMENT [1]>>>") {
			sawManual = true
		}
	}
	if !sawManual {
		t.Fatal("no manual excerpt reached the model delimited as untrusted")
	}

	// Every LLM call is traced with conversation id, tokens and cost.
	s.app.Tracer.Close(context.Background())
	entries := readTraces(t, filepath.Join(s.dir, "traces"))
	llmCalls := 0
	for _, e := range entries {
		if e.Action != trace.ActionLLMCall {
			continue
		}
		llmCalls++
		if e.ConversationID != "telegram:4242" || e.TotalTokens == 0 || e.USDCost <= 0 || e.Model == "" {
			t.Fatalf("llm_call entry lacks conversation/tokens/cost: %+v", e)
		}
	}
	if llmCalls < 3 {
		t.Fatalf("llm_call entries = %d", llmCalls)
	}
	for _, raw := range rawTraces(t, filepath.Join(s.dir, "traces")) {
		for _, v := range secretValues {
			if strings.Contains(raw, v) {
				t.Fatal("a trace file contains a secret value")
			}
		}
	}
}

func TestSandboxedAgentWrite(t *testing.T) {
	s := newStackWith(t, true, "", vendorTools)
	writes, sapWrites := s.env.Maximo.Stats().Writes, s.env.SAP.Stats().Writes
	s.env.Telegram.InjectText(demo.TelegramChat, simtg.User{ID: 7, FirstName: "Ann"}, "create a work order for the seal on P-101")
	// In sandbox mode replies are blocked too (send is a write), so wait for
	// the model's second turn, which follows the synthesised tool result.
	deadline := time.Now().Add(30 * time.Second)
	for {
		reqs := s.llm.Requests()
		if n := len(reqs); n >= 2 && strings.Contains(strings.Join(reqs[n-1].Messages, "\n"), "WO-SANDBOX-0000") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the model never saw the synthesised sandbox result")
		}
		time.Sleep(50 * time.Millisecond) // polling an external observation with a deadline
	}
	if got := s.env.Maximo.Stats().Writes; got != writes {
		t.Fatalf("sandbox write reached the simulator (%d → %d)", writes, got)
	}
	if n := len(s.env.Telegram.Sent()); n != 0 {
		t.Fatalf("sandbox mode sent %d Telegram messages", n)
	}
	// Sandbox mode checks a message's target as a live send would.
	if text, isErr := callTool(t, s, "machina_send_message", map[string]any{"channel": demo.TechnicianMail, "text": "x"}); isErr {
		t.Fatalf("sandboxed send to a bare address: %s", text)
	}
	if text, isErr := callTool(t, s, "machina_send_message", map[string]any{"channel": "Ann Smith", "text": "x"}); !isErr {
		t.Fatalf("sandbox accepted an unroutable target: %s", text)
	}
	// The vendor tools, enabled, are synthesised too: neither the real
	// plugins nor the simulators see them.
	for name, args := range map[string]map[string]any{
		"maximo_raw_attribute_update":  {"resource_type": "mxwo", "resource_id": maximoRestID("WO1001", "BEDFORD"), "attributes": map[string]any{"status": "CLOSE"}},
		"sap_pm_raw_iw38_notification": {"equipment_id": "10000002", "description": "Leak at the flange"},
	} {
		if text, isErr := callTool(t, s, name, args); isErr || !strings.Contains(text, "[SANDBOX — no real write performed]") {
			t.Errorf("sandboxed %s: %s", name, text)
		}
	}
	if s.env.Maximo.Stats().Writes != writes || s.env.SAP.Stats().Writes != sapWrites {
		t.Fatal("a sandboxed vendor tool reached a simulator")
	}
}

func TestAlarmDraftsOneWorkOrderAndNotifies(t *testing.T) {
	s := newStack(t, false)
	if err := s.env.OPCUA.SetValue("P-101.Temperature", 95); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sent, err := s.env.Telegram.WaitSent(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sent[0].Text, "WO-AUTO-") || !strings.Contains(sent[0].Text, "P-101") {
		t.Fatalf("notification = %q", sent[0].Text)
	}
	// Still one notification after the value stays high.
	if err := s.env.OPCUA.SetValue("P-101.Temperature", 96); err != nil {
		t.Fatal(err)
	}
	reply := s.say(t, "yes")
	if !strings.Contains(reply.Text, "Done: work order") {
		t.Fatalf("confirming the drafted work order: %q", reply.Text)
	}
	if n := len(s.env.Telegram.Sent()); n != 2 {
		t.Fatalf("sent %d messages, want the notification and the confirmation reply", n)
	}
}

func readTraces(t *testing.T, dir string) []trace.Entry {
	var out []trace.Entry
	for _, raw := range rawTraces(t, dir) {
		for _, line := range strings.Split(raw, "\n") {
			var e trace.Entry
			if json.Unmarshal([]byte(line), &e) == nil && e.Action != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

func rawTraces(t *testing.T, dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}
