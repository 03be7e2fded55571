package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Role is the author of a message.
type Role string

// Message roles.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID links a tool message to the call it answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
}

// ToolCall is a function call requested by the model.
type ToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// Tool is a function the model may call; Parameters is a JSON schema.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// Request is one completion request.
type Request struct {
	Model       string
	Messages    []Message
	Tools       []Tool
	Temperature float64
	MaxTokens   int
}

// Usage counts tokens of one call.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Response is the model's answer.
type Response struct {
	Message    Message
	Usage      Usage
	Model      string
	StopReason string
}

// Provider completes conversations.
type Provider interface {
	Complete(ctx context.Context, req Request) (Response, error)
	// Name is the provider id ("openai", "anthropic").
	Name() string
}

// Options configures a provider.
type Options struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1,
	// http://127.0.0.1:11434/v1 (Ollama) or https://api.anthropic.com.
	BaseURL string
	// APIKey returns the key at use; nil or "" means no key (local servers).
	APIKey func(ctx context.Context) (string, error)
	// Timeout bounds one HTTP attempt (default 120 s).
	Timeout time.Duration
	// MaxRetries on 429/5xx/network errors (default 3).
	MaxRetries int
	// Client is the HTTP client (default: no proxy from the environment).
	Client *http.Client
	Logger hclog.Logger
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 120 * time.Second
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 3
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}}
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
}

func (o *Options) key(ctx context.Context) (string, error) {
	if o.APIKey == nil {
		return "", nil
	}
	k, err := o.APIKey(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the API key: %w", err)
	}
	return k, nil
}

// StatusError is a non-2xx answer from the API. Body is truncated and never
// includes request headers.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("LLM API returned HTTP %d: %s", e.Status, e.Body)
}

// post sends a JSON body with retries on 429, 5xx and network errors.
func post(ctx context.Context, o *Options, url string, headers map[string]string, body any, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var last error
	for attempt := 0; attempt <= o.MaxRetries; attempt++ {
		if attempt > 0 {
			wait := backoff(attempt, last)
			o.Logger.Debug("retrying LLM call", "attempt", attempt, "wait", wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		last = postOnce(ctx, o, url, headers, b, out)
		if last == nil {
			return nil
		}
		var se *StatusError
		if errors.As(last, &se) && se.Status != http.StatusTooManyRequests && se.Status < 500 {
			return last
		}
		if ctx.Err() != nil {
			return last
		}
	}
	return last
}

type retryAfterError struct {
	*StatusError
	after time.Duration
}

func (e *retryAfterError) Unwrap() error { return e.StatusError }

func postOnce(ctx context.Context, o *Options, url string, headers map[string]string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return fmt.Errorf("LLM API request failed: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("reading LLM API response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		se := &StatusError{Status: resp.StatusCode, Body: truncate(string(data), 300)}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return &retryAfterError{StatusError: se, after: time.Duration(s) * time.Second}
		}
		return se
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding LLM API response: %w", err)
	}
	return nil
}

func backoff(attempt int, last error) time.Duration {
	var ra *retryAfterError
	if errors.As(last, &ra) && ra.after > 0 {
		return min(ra.after, 30*time.Second)
	}
	return min(time.Duration(250<<attempt)*time.Millisecond, 8*time.Second)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Pricer estimates the cost of a call in USD from a per-model price table.
// An unknown model costs 0 and is warned about once.
type Pricer struct {
	// Prices maps a model id (or prefix) to USD per million input and output
	// tokens.
	Prices map[string][2]float64
	Logger hclog.Logger

	mu     sync.Mutex
	warned map[string]bool
}

// DefaultPrices are list prices in USD per million tokens (input, output)
// for common models; operators can override them in configuration.
func DefaultPrices() map[string][2]float64 {
	return map[string][2]float64{
		"gpt-4o-mini":       {0.15, 0.60},
		"gpt-4o":            {2.50, 10.00},
		"gpt-4.1-mini":      {0.40, 1.60},
		"gpt-4.1":           {2.00, 8.00},
		"claude-3-5-haiku":  {0.80, 4.00},
		"claude-3-5-sonnet": {3.00, 15.00},
		"claude-sonnet-4":   {3.00, 15.00},
		"claude-opus-4":     {15.00, 75.00},
	}
}

// Cost returns the estimated USD cost of usage on model.
func (p *Pricer) Cost(model string, u Usage) float64 {
	if model == "" || (u.PromptTokens == 0 && u.CompletionTokens == 0) {
		return 0
	}
	best := ""
	for k := range p.Prices {
		if strings.HasPrefix(model, k) && len(k) > len(best) {
			best = k
		}
	}
	if best == "" {
		p.mu.Lock()
		if p.warned == nil {
			p.warned = map[string]bool{}
		}
		if !p.warned[model] {
			p.warned[model] = true
			if p.Logger != nil {
				p.Logger.Warn("unknown model: cost estimated as 0", "model", model)
			}
		}
		p.mu.Unlock()
		return 0
	}
	price := p.Prices[best]
	return (float64(u.PromptTokens)*price[0] + float64(u.CompletionTokens)*price[1]) / 1e6
}
