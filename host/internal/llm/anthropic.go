package llm

import (
	"context"
	"encoding/json"
	"strings"
)

// Anthropic speaks Anthropic's messages API.
type Anthropic struct{ opts Options }

// AnthropicVersion is the API version header sent with every request.
const AnthropicVersion = "2023-06-01"

// NewAnthropic returns a provider for BaseURL (e.g. https://api.anthropic.com).
func NewAnthropic(opts Options) *Anthropic {
	opts.defaults()
	return &Anthropic{opts: opts}
}

// Name implements Provider.
func (*Anthropic) Name() string { return "anthropic" }

type antBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   string          `json:"content,omitempty"`
}

type antMessage struct {
	Role    string     `json:"role"`
	Content []antBlock `json:"content"`
}

type antTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type antRequest struct {
	Model       string       `json:"model"`
	MaxTokens   int          `json:"max_tokens"`
	System      string       `json:"system,omitempty"`
	Messages    []antMessage `json:"messages"`
	Tools       []antTool    `json:"tools,omitempty"`
	Temperature float64      `json:"temperature"`
}

type antResponse struct {
	Model      string     `json:"model"`
	Content    []antBlock `json:"content"`
	StopReason string     `json:"stop_reason"`
	Usage      struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

// Complete implements Provider. System messages are joined into the system
// field; consecutive tool results are merged into one user message, as the
// API requires.
func (p *Anthropic) Complete(ctx context.Context, req Request) (Response, error) {
	body := antRequest{Model: req.Model, MaxTokens: req.MaxTokens, Temperature: req.Temperature}
	if body.MaxTokens <= 0 {
		body.MaxTokens = 4096
	}
	var system []string
	for _, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			system = append(system, m.Content)
		case RoleTool:
			block := antBlock{Type: "tool_result", ToolUseID: m.ToolCallID, Content: m.Content}
			if n := len(body.Messages); n > 0 && body.Messages[n-1].Role == "user" && body.Messages[n-1].Content[0].Type == "tool_result" {
				body.Messages[n-1].Content = append(body.Messages[n-1].Content, block)
			} else {
				body.Messages = append(body.Messages, antMessage{Role: "user", Content: []antBlock{block}})
			}
		case RoleAssistant:
			am := antMessage{Role: "assistant"}
			if m.Content != "" {
				am.Content = append(am.Content, antBlock{Type: "text", Text: m.Content})
			}
			for _, tc := range m.ToolCalls {
				input := tc.Arguments
				if len(input) == 0 {
					input = json.RawMessage("{}")
				}
				am.Content = append(am.Content, antBlock{Type: "tool_use", ID: tc.ID, Name: tc.Name, Input: input})
			}
			body.Messages = append(body.Messages, am)
		default:
			body.Messages = append(body.Messages, antMessage{Role: "user", Content: []antBlock{{Type: "text", Text: m.Content}}})
		}
	}
	body.System = strings.Join(system, "\n\n")
	for _, t := range req.Tools {
		body.Tools = append(body.Tools, antTool{Name: t.Name, Description: t.Description, InputSchema: t.Parameters})
	}
	headers := map[string]string{"anthropic-version": AnthropicVersion}
	key, err := p.opts.key(ctx)
	if err != nil {
		return Response{}, err
	}
	if key != "" {
		headers["x-api-key"] = key
	}
	var out antResponse
	if err := post(ctx, &p.opts, p.opts.BaseURL+"/v1/messages", headers, body, &out); err != nil {
		return Response{}, err
	}
	msg := Message{Role: RoleAssistant}
	var text []string
	for _, b := range out.Content {
		switch b.Type {
		case "text":
			text = append(text, b.Text)
		case "tool_use":
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: b.Input})
		}
	}
	msg.Content = strings.Join(text, "\n")
	u := Usage{PromptTokens: out.Usage.InputTokens, CompletionTokens: out.Usage.OutputTokens}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	model := out.Model
	if model == "" {
		model = req.Model
	}
	return Response{Message: msg, Usage: u, Model: model, StopReason: out.StopReason}, nil
}
