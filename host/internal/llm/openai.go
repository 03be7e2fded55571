package llm

import (
	"context"
	"encoding/json"
	"errors"
)

// OpenAI speaks the OpenAI-compatible chat-completions API.
type OpenAI struct{ opts Options }

// NewOpenAI returns a provider for BaseURL (e.g. https://api.openai.com/v1).
func NewOpenAI(opts Options) *OpenAI {
	opts.defaults()
	return &OpenAI{opts: opts}
}

// Name implements Provider.
func (*OpenAI) Name() string { return "openai" }

type oaiFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Arguments   *string         `json:"arguments,omitempty"`
}

type oaiToolCall struct {
	ID       string      `json:"id"`
	Type     string      `json:"type"`
	Function oaiFunction `json:"function"`
}

type oaiMessage struct {
	Role       string        `json:"role"`
	Content    *string       `json:"content"`
	ToolCalls  []oaiToolCall `json:"tool_calls,omitempty"`
	ToolCallID string        `json:"tool_call_id,omitempty"`
}

type oaiRequest struct {
	Model       string       `json:"model"`
	Messages    []oaiMessage `json:"messages"`
	Tools       []oaiTool    `json:"tools,omitempty"`
	Temperature float64      `json:"temperature"`
	MaxTokens   int          `json:"max_tokens,omitempty"`
}

type oaiTool struct {
	Type     string      `json:"type"`
	Function oaiFunction `json:"function"`
}

type oaiResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message      oaiMessage `json:"message"`
		FinishReason string     `json:"finish_reason"`
	} `json:"choices"`
	Usage Usage `json:"usage"`
}

// Complete implements Provider.
func (p *OpenAI) Complete(ctx context.Context, req Request) (Response, error) {
	body := oaiRequest{Model: req.Model, Temperature: req.Temperature, MaxTokens: req.MaxTokens}
	for _, m := range req.Messages {
		content := m.Content
		om := oaiMessage{Role: string(m.Role), Content: &content, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			args := string(tc.Arguments)
			om.ToolCalls = append(om.ToolCalls, oaiToolCall{ID: tc.ID, Type: "function", Function: oaiFunction{Name: tc.Name, Arguments: &args}})
		}
		if m.Role == RoleAssistant && len(om.ToolCalls) > 0 && content == "" {
			om.Content = nil
		}
		body.Messages = append(body.Messages, om)
	}
	for _, t := range req.Tools {
		body.Tools = append(body.Tools, oaiTool{Type: "function", Function: oaiFunction{Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
	}
	headers := map[string]string{}
	key, err := p.opts.key(ctx)
	if err != nil {
		return Response{}, err
	}
	if key != "" {
		headers["Authorization"] = "Bearer " + key
	}
	var out oaiResponse
	if err := post(ctx, &p.opts, p.opts.BaseURL+"/chat/completions", headers, body, &out); err != nil {
		return Response{}, err
	}
	if len(out.Choices) == 0 {
		return Response{}, errors.New("LLM API returned no choices")
	}
	ch := out.Choices[0]
	msg := Message{Role: RoleAssistant}
	if ch.Message.Content != nil {
		msg.Content = *ch.Message.Content
	}
	for _, tc := range ch.Message.ToolCalls {
		args := "{}"
		if tc.Function.Arguments != nil && *tc.Function.Arguments != "" {
			args = *tc.Function.Arguments
		}
		msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: json.RawMessage(args)})
	}
	u := out.Usage
	if u.TotalTokens == 0 {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	model := out.Model
	if model == "" {
		model = req.Model
	}
	return Response{Message: msg, Usage: u, Model: model, StopReason: ch.FinishReason}, nil
}
