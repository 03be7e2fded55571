package pdk

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/machina-go/machina/abi"
)

// Config is the operator's non-secret plugin configuration (the [plugin.config]
// table of machina.toml). It never holds secrets: the host refuses config keys
// that look like secrets.
type Config struct {
	values map[string]any
}

// NewConfig builds a Config from a map, for tests.
func NewConfig(values map[string]any) Config { return Config{values: values} }

// Decode fills v (a pointer to a struct with json tags) from the config.
func (c Config) Decode(v any) error {
	b, err := json.Marshal(c.values)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// String returns the string value of key, or def when absent or not a string.
func (c Config) String(key, def string) string {
	if s, ok := c.values[key].(string); ok {
		return s
	}
	return def
}

// Int returns the integer value of key, or def when absent or not a number.
func (c Config) Int(key string, def int) int {
	switch v := c.values[key].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int64:
		return int(v)
	}
	return def
}

// CheckKeys refuses a configuration with a key outside known, listing the
// unknown ones (sorted), so that a typo such as "allowed_chat_id" is an
// error rather than a setting silently left at its default.
func (c Config) CheckKeys(known ...string) error {
	var unknown []string
	for k := range c.values {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return abi.InvalidArgument("unknown config keys: %s", strings.Join(unknown, ", "))
}

// Fields returns each configured value as raw JSON, for a plugin that
// validates its keys one by one, after refusing keys outside known as
// CheckKeys does.
func (c Config) Fields(known ...string) (map[string]json.RawMessage, error) {
	if err := c.CheckKeys(known...); err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := c.Decode(&raw); err != nil {
		return nil, abi.InvalidArgument("%v", err)
	}
	return raw, nil
}
