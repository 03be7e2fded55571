package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/llm"
	"github.com/machina-go/machina/host/internal/llm/llmtest"
)

const secretKey = "sk-test-very-secret-key-123"

func providers(srv *llmtest.Server) []llm.Provider {
	key := func(context.Context) (string, error) { return secretKey, nil }
	return []llm.Provider{
		llm.NewOpenAI(llm.Options{BaseURL: srv.OpenAIURL(), APIKey: key, MaxRetries: 2, Timeout: 5 * time.Second}),
		llm.NewAnthropic(llm.Options{BaseURL: srv.URL, APIKey: key, MaxRetries: 2, Timeout: 5 * time.Second}),
	}
}

func TestToolRoundTripBothFormats(t *testing.T) {
	srv := llmtest.New()
	defer srv.Close()
	for _, p := range providers(srv) {
		t.Run(p.Name(), func(t *testing.T) {
			srv.Push(llmtest.Step{Status: 429},
				llmtest.Step{Calls: []llmtest.Call{{Name: "get_asset", Args: map[string]any{"asset_id": "P-101"}}}},
				llmtest.Step{Text: "P-101 is the feed pump."})
			tools := []llm.Tool{{Name: "get_asset", Description: "get an asset", Parameters: json.RawMessage(`{"type":"object","properties":{"asset_id":{"type":"string"}}}`)}}
			msgs := []llm.Message{{Role: llm.RoleSystem, Content: "You are Machina."}, {Role: llm.RoleUser, Content: "what is P-101?"}}
			resp, err := p.Complete(context.Background(), llm.Request{Model: "gpt-4o-mini", Messages: msgs, Tools: tools})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Message.ToolCalls) != 1 || resp.Message.ToolCalls[0].Name != "get_asset" {
				t.Fatalf("tool calls = %+v", resp.Message.ToolCalls)
			}
			var args map[string]string
			if err := json.Unmarshal(resp.Message.ToolCalls[0].Arguments, &args); err != nil || args["asset_id"] != "P-101" {
				t.Fatalf("args = %s", resp.Message.ToolCalls[0].Arguments)
			}
			if resp.Usage.TotalTokens == 0 {
				t.Fatal("usage must be counted")
			}
			msgs = append(msgs, resp.Message, llm.Message{Role: llm.RoleTool, ToolCallID: resp.Message.ToolCalls[0].ID, Content: `{"id":"P-101","name":"Feed pump"}`})
			resp, err = p.Complete(context.Background(), llm.Request{Model: "gpt-4o-mini", Messages: msgs, Tools: tools})
			if err != nil || resp.Message.Content != "P-101 is the feed pump." {
				t.Fatalf("final: %v %+v", err, resp.Message)
			}
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			if !strings.Contains(last.System, "You are Machina.") || !strings.Contains(strings.Join(last.Messages, "\n"), "Feed pump") {
				t.Fatalf("recorded = %+v", last)
			}
		})
	}
}

func TestErrorsNeverCarryTheKey(t *testing.T) {
	srv := llmtest.New(llmtest.Step{Status: 401}, llmtest.Step{Status: 401})
	defer srv.Close()
	for _, p := range providers(srv) {
		_, err := p.Complete(context.Background(), llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		var se *llm.StatusError
		if !errors.As(err, &se) || se.Status != 401 {
			t.Fatalf("%s: want a 401 StatusError without retries, got %v", p.Name(), err)
		}
		if strings.Contains(err.Error(), secretKey) {
			t.Fatalf("%s: error leaks the key", p.Name())
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("401 must not be retried: %d requests", n)
	}
}

func TestPricer(t *testing.T) {
	p := &llm.Pricer{Prices: llm.DefaultPrices()}
	if c := p.Cost("gpt-4o-mini-2024-07-18", llm.Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000}); c < 0.74 || c > 0.76 {
		t.Fatalf("cost = %v", c)
	}
	if c := p.Cost("llama3:8b", llm.Usage{PromptTokens: 100}); c != 0 {
		t.Fatalf("unknown model must cost 0, got %v", c)
	}
}
