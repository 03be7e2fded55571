// Package llmtest is a scripted fake LLM server for tests. It speaks both
// the OpenAI chat-completions and the Anthropic messages wire formats over
// real HTTP on loopback, plays back a script of tool calls and answers, and
// records every request it received so tests can assert what a model was
// sent (no paths, no secrets, untrusted text delimited).
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Call is a scripted tool call.
type Call struct {
	Name string
	Args map[string]any
}

// Step is one scripted model answer: tool calls, or final text.
type Step struct {
	Calls []Call
	Text  string
	// Status, when non-zero, answers with that HTTP status instead (e.g. 429).
	Status int
}

// Recorded is one request as the server decoded it.
type Recorded struct {
	Format   string // "openai" or "anthropic"
	Model    string
	System   string   // system prompt(s)
	Messages []string // "role: content" lines in order (tool results included)
	Tools    []string
	Raw      string // the raw request body
	Headers  http.Header
}

// Server is the fake.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	script   []Step
	respond  func(Recorded) Step
	recorded []Recorded
	n        int
}

// New starts a fake on 127.0.0.1 that plays script in order. After the
// script runs out it answers "ok".
func New(script ...Step) *Server {
	s := &Server{script: script}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", s.openai)
	mux.HandleFunc("/chat/completions", s.openai)
	mux.HandleFunc("/v1/messages", s.anthropic)
	s.Server = httptest.NewServer(mux)
	return s
}

// Respond sets a function that chooses each answer from the request,
// overriding the script.
func (s *Server) Respond(f func(Recorded) Step) {
	s.mu.Lock()
	s.respond = f
	s.mu.Unlock()
}

// Push appends steps to the script.
func (s *Server) Push(steps ...Step) {
	s.mu.Lock()
	s.script = append(s.script, steps...)
	s.mu.Unlock()
}

// Requests returns what the server received so far.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.recorded...)
}

// OpenAIURL is the base URL for the OpenAI-compatible client.
func (s *Server) OpenAIURL() string { return s.URL + "/v1" }

func (s *Server) next(rec Recorded) Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = append(s.recorded, rec)
	if s.respond != nil {
		return s.respond(rec)
	}
	if s.n < len(s.script) {
		st := s.script[s.n]
		s.n++
		return st
	}
	return Step{Text: "ok"}
}

func (s *Server) openai(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role      string  `json:"role"`
			Content   *string `json:"content"`
			ToolCalls []struct {
				Function struct{ Name, Arguments string } `json:"function"`
			} `json:"tool_calls"`
		} `json:"messages"`
		Tools []struct {
			Function struct{ Name string } `json:"function"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rec := Recorded{Format: "openai", Model: req.Model, Raw: string(raw), Headers: r.Header.Clone()}
	for _, m := range req.Messages {
		c := ""
		if m.Content != nil {
			c = *m.Content
		}
		if m.Role == "system" {
			rec.System += c + "\n"
		}
		for _, tc := range m.ToolCalls {
			c += fmt.Sprintf(" [call %s %s]", tc.Function.Name, tc.Function.Arguments)
		}
		rec.Messages = append(rec.Messages, m.Role+": "+c)
	}
	for _, t := range req.Tools {
		rec.Tools = append(rec.Tools, t.Function.Name)
	}
	st := s.next(rec)
	if st.Status != 0 {
		w.Header().Set("Retry-After", "0")
		http.Error(w, `{"error":{"message":"scripted failure"}}`, st.Status)
		return
	}
	msg := map[string]any{"role": "assistant", "content": st.Text}
	var calls []map[string]any
	for i, c := range st.Calls {
		args, _ := json.Marshal(c.Args)
		calls = append(calls, map[string]any{"id": fmt.Sprintf("call_%d_%d", len(s.Requests()), i), "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": string(args)}})
	}
	finish := "stop"
	if len(calls) > 0 {
		msg["tool_calls"] = calls
		msg["content"] = nil
		finish = "tool_calls"
	}
	pt, ct := tokens(string(raw)), tokens(st.Text)+10*len(calls)
	writeJSON(w, map[string]any{"id": "chatcmpl-fake", "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}})
}

func (s *Server) anthropic(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req struct {
		Model    string `json:"model"`
		System   string `json:"system"`
		Messages []struct {
			Role    string `json:"role"`
			Content []struct {
				Type    string          `json:"type"`
				Text    string          `json:"text"`
				Name    string          `json:"name"`
				Input   json.RawMessage `json:"input"`
				Content string          `json:"content"`
			} `json:"content"`
		} `json:"messages"`
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rec := Recorded{Format: "anthropic", Model: req.Model, System: req.System, Raw: string(raw), Headers: r.Header.Clone()}
	for _, m := range req.Messages {
		var parts []string
		role := m.Role
		for _, b := range m.Content {
			switch b.Type {
			case "text":
				parts = append(parts, b.Text)
			case "tool_use":
				parts = append(parts, fmt.Sprintf("[call %s %s]", b.Name, b.Input))
			case "tool_result":
				role = "tool"
				parts = append(parts, b.Content)
			}
		}
		rec.Messages = append(rec.Messages, role+": "+strings.Join(parts, " "))
	}
	for _, t := range req.Tools {
		rec.Tools = append(rec.Tools, t.Name)
	}
	st := s.next(rec)
	if st.Status != 0 {
		w.Header().Set("Retry-After", "0")
		http.Error(w, `{"type":"error","error":{"type":"rate_limit_error","message":"scripted failure"}}`, st.Status)
		return
	}
	var content []any
	if st.Text != "" {
		content = append(content, map[string]any{"type": "text", "text": st.Text})
	}
	for i, c := range st.Calls {
		content = append(content, map[string]any{"type": "tool_use", "id": fmt.Sprintf("toolu_%d_%d", len(s.Requests()), i), "name": c.Name, "input": c.Args})
	}
	stop := "end_turn"
	if len(st.Calls) > 0 {
		stop = "tool_use"
	}
	writeJSON(w, map[string]any{"id": "msg_fake", "type": "message", "role": "assistant", "model": req.Model,
		"content": content, "stop_reason": stop,
		"usage": map[string]any{"input_tokens": tokens(string(raw)), "output_tokens": tokens(st.Text) + 10*len(st.Calls)}})
}

// tokens approximates a token count (4 characters per token).
func tokens(s string) int { return (len(s) + 3) / 4 }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
