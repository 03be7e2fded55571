package app

import (
	"fmt"
	"time"
)

// AgentConfig is the [agent] table of machina.toml.
type AgentConfig struct {
	// Enabled turns the agent on (default true when the table is present).
	Enabled *bool `toml:"enabled"`
	// Provider is "openai" (any OpenAI-compatible server: OpenAI, Ollama,
	// vLLM, LocalAI) or "anthropic".
	Provider string `toml:"provider"`
	// BaseURL is the API root (default per provider).
	BaseURL string `toml:"base_url"`
	Model   string `toml:"model"`
	// APIKeySecret names the secret holding the API key ("" for local
	// servers without keys).
	APIKeySecret string  `toml:"api_key_secret"`
	Temperature  float64 `toml:"temperature"`
	MaxTokens    int     `toml:"max_tokens"`
	Timeout      string  `toml:"timeout"`
	// Confirmations asks the user before every write (default true).
	Confirmations *bool `toml:"confirmations"`
	MaxSteps      int   `toml:"max_steps"`
	// Channels lists the messaging plugins the agent answers (default: all).
	Channels []string `toml:"channels"`
	// Prices overrides USD per million tokens: model = [input, output].
	Prices map[string][2]float64 `toml:"prices"`
	// AlarmWorkflow configures alarm_to_workorder.
	AlarmWorkflow AlarmWorkflowConfig `toml:"alarm_workflow"`
}

// AlarmWorkflowConfig configures the alarm_to_workorder workflow.
type AlarmWorkflowConfig struct {
	Enabled bool `toml:"enabled"`
	// Notify is the target of notifications, e.g. "telegram:-100123".
	Notify string `toml:"notify"`
}

func (c AgentConfig) enabled() bool {
	return c.Provider != "" && (c.Enabled == nil || *c.Enabled)
}

func (c AgentConfig) timeout() (time.Duration, error) {
	if c.Timeout == "" {
		return 120 * time.Second, nil
	}
	d, err := time.ParseDuration(c.Timeout)
	if err != nil {
		return 0, fmt.Errorf("agent.timeout: %w", err)
	}
	return d, nil
}

func (c AgentConfig) validate() error {
	switch c.Provider {
	case "openai", "anthropic":
	default:
		return fmt.Errorf("agent.provider %q: want openai or anthropic", c.Provider)
	}
	if c.Model == "" {
		return fmt.Errorf("agent.model is required")
	}
	if c.AlarmWorkflow.Enabled && c.AlarmWorkflow.Notify == "" {
		return fmt.Errorf("agent.alarm_workflow.notify is required when the workflow is enabled")
	}
	_, err := c.timeout()
	return err
}
