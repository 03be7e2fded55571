package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// Defaults.
const (
	defaultBaseURL     = "https://api.telegram.org"
	defaultPollTimeout = 5
	defaultPollLimit   = 20
	defaultMaxSendWait = 5
	defaultGreeting    = "Hello! I am Machina, the maintenance assistant. Send me a text message about an asset, an alarm or a work order."
	nonTextReply       = "I can only read text messages."
)

type config struct {
	baseURL     string
	allowed     map[string]bool // canonical chat ids
	allowAll    bool
	markdown    bool
	pollTimeout int
	pollLimit   int
	maxSendWait int
	greeting    string
}

// knownKeys are the configuration keys the plugin reads.
func knownKeys() []string {
	return []string{"base_url", "allowed_chat_ids", "allow_all_chats", "parse_mode", "poll_timeout_s", "poll_limit", "max_send_wait_s", "greeting"}
}

// parseConfig validates the plugin configuration. Unknown keys are errors
// so a typo such as "allowed_chat_id" cannot silently open the bot.
func parseConfig(c pdk.Config) (config, error) {
	raw, err := c.Fields(knownKeys()...)
	if err != nil {
		return config{}, err
	}
	cfg := config{baseURL: defaultBaseURL, pollTimeout: defaultPollTimeout, pollLimit: defaultPollLimit,
		maxSendWait: defaultMaxSendWait, greeting: defaultGreeting}
	str := func(k string, dst *string) {
		if v, ok := raw[k]; ok && err == nil {
			if e := json.Unmarshal(v, dst); e != nil {
				err = abi.InvalidArgument("config %s: want a string", k)
			}
		}
	}
	num := func(k string, dst *int, lo, hi int) {
		if v, ok := raw[k]; ok && err == nil {
			if e := json.Unmarshal(v, dst); e != nil || *dst < lo || *dst > hi {
				err = abi.InvalidArgument("config %s: want an integer from %d to %d", k, lo, hi)
			}
		}
	}
	str("base_url", &cfg.baseURL)
	str("greeting", &cfg.greeting)
	mode := "plain"
	str("parse_mode", &mode)
	num("poll_timeout_s", &cfg.pollTimeout, 0, 50)
	num("poll_limit", &cfg.pollLimit, 1, 100)
	num("max_send_wait_s", &cfg.maxSendWait, 0, 60)
	if v, ok := raw["allow_all_chats"]; ok && err == nil {
		if e := json.Unmarshal(v, &cfg.allowAll); e != nil {
			err = abi.InvalidArgument("config allow_all_chats: want true or false")
		}
	}
	if err != nil {
		return config{}, err
	}
	switch strings.ToLower(mode) {
	case "plain", "", "none":
	case "markdownv2":
		cfg.markdown = true
	default:
		return config{}, abi.InvalidArgument("config parse_mode %q: want plain or MarkdownV2", mode)
	}
	cfg.baseURL = strings.TrimRight(strings.TrimSpace(cfg.baseURL), "/")
	if !strings.HasPrefix(cfg.baseURL, "https://") && !strings.HasPrefix(cfg.baseURL, "http://") {
		return config{}, abi.InvalidArgument("config base_url %q: want an http(s) URL", cfg.baseURL)
	}
	if strings.Contains(cfg.baseURL, "{{") {
		return config{}, abi.InvalidArgument("config base_url must not contain placeholders")
	}
	if strings.TrimSpace(cfg.greeting) == "" {
		cfg.greeting = defaultGreeting
	}
	if v, ok := raw["allowed_chat_ids"]; ok {
		ids, err := parseChatIDs(v)
		if err != nil {
			return config{}, err
		}
		cfg.allowed = ids
	}
	if len(cfg.allowed) == 0 && !cfg.allowAll {
		return config{}, abi.InvalidArgument("config allowed_chat_ids is required (a list of chat ids); set allow_all_chats = true to accept every chat")
	}
	return cfg, nil
}

// parseChatIDs accepts a JSON list of integers and/or strings, one integer,
// or one string of ids separated by commas, semicolons or spaces (what an
// environment variable gives). Every id must be an integer: a string is
// never taken apart into characters (the reference's bug).
func parseChatIDs(raw json.RawMessage) (map[string]bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, abi.InvalidArgument("config allowed_chat_ids: %v", err)
	}
	var items []string
	switch t := v.(type) {
	case nil:
	case json.Number:
		items = []string{t.String()}
	case string:
		items = strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' })
	case []any:
		for _, e := range t {
			switch x := e.(type) {
			case json.Number:
				items = append(items, x.String())
			case string:
				items = append(items, strings.TrimSpace(x))
			default:
				return nil, abi.InvalidArgument("config allowed_chat_ids: %v is not a chat id", e)
			}
		}
	default:
		return nil, abi.InvalidArgument("config allowed_chat_ids: want a list of chat ids")
	}
	out := map[string]bool{}
	for _, s := range items {
		id, err := canonicalChatID(s)
		if err != nil {
			return nil, abi.InvalidArgument("config allowed_chat_ids: %v", err)
		}
		out[id] = true
	}
	return out, nil
}

// canonicalChatID parses a chat id (an integer, possibly negative for
// groups) into its canonical decimal form.
func canonicalChatID(s string) (string, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n == 0 {
		return "", fmt.Errorf("%q is not a chat id (want an integer)", s)
	}
	return strconv.FormatInt(n, 10), nil
}
