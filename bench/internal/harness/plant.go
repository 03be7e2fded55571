package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Sent is a message the Telegram simulator's bot sent.
type Sent struct {
	ChatID string `json:"chat_id"`
	Text   string `json:"text"`
}

// Inject queues an incoming Telegram message from a technician.
func (p *Plant) Inject(ctx context.Context, text string) error {
	body, _ := json.Marshal(map[string]any{"chat_id": p.ChatID, "text": text})
	return p.do(ctx, http.MethodPost, p.TelegramURL+"/sim/inject", body, nil)
}

// Sent lists what the bot sent so far.
func (p *Plant) Sent(ctx context.Context) ([]Sent, error) {
	var out []Sent
	return out, p.do(ctx, http.MethodGet, p.TelegramURL+"/sim/sent", nil, &out)
}

// MaximoStats are the Maximo simulator's counters.
type MaximoStats struct {
	Requests   int64 `json:"requests"`
	Writes     int64 `json:"writes"`
	WritesDone int64 `json:"writes_done"`
}

// Maximo reads the Maximo simulator's counters.
func (p *Plant) Maximo(ctx context.Context) (MaximoStats, error) {
	var s MaximoStats
	return s, p.do(ctx, http.MethodGet, p.MaximoURL+"/_sim/stats", nil, &s)
}

func (p *Plant) do(ctx context.Context, method, url string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(url, p.MaximoURL) {
		// The simulator's counters need its API key: the plant generated
		// it into this run's own state (never printed).
		key, err := os.ReadFile(filepath.Join(p.State, "secrets", "maximo_apikey"))
		if err != nil {
			return err
		}
		req.Header.Set("apikey", strings.TrimSpace(string(key)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// FakeLLM is an OpenAI-compatible chat completions endpoint on loopback
// that answers every conversation "Received: <last user message>" without
// tool calls: the benchmarks measure Machina, not a model.
type FakeLLM struct {
	srv *http.Server
	URL string
}

// StartFakeLLM starts the stand-in model.
func StartFakeLLM() (*FakeLLM, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Role    string `json:"role"`
				Content any    `json:"content"`
			} `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		last := ""
		for _, m := range req.Messages {
			if s, ok := m.Content.(string); ok && m.Role == "user" {
				last = s
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "bench", "object": "chat.completion", "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": "Received: " + strings.TrimSpace(last)}}},
			"usage": map[string]any{"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
		})
	})
	f := &FakeLLM{srv: &http.Server{Handler: mux}, URL: "http://" + ln.Addr().String() + "/v1"}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// Close stops the stand-in model.
func (f *FakeLLM) Close() { _ = f.srv.Close() }
