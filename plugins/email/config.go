package main

import (
	"encoding/json"
	"net/mail"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

const (
	defaultSubject = "Machina Notification"
	defaultPollMax = 10
)

type config struct {
	senders      addrSet
	allowAll     bool
	recipients   addrSet
	anyRecipient bool
	mailbox      string
	pollMax      int
	subject      string
}

// addrSet holds lower-case addresses and "@domain" entries.
type addrSet map[string]bool

func (s addrSet) has(addr string) bool {
	addr = strings.ToLower(addr)
	if s[addr] {
		return true
	}
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return s[addr[i:]]
	}
	return false
}

// knownKeys are the configuration keys the plugin reads.
func knownKeys() []string {
	return []string{"allowed_senders", "allow_all_senders", "allowed_recipients", "allow_any_recipient", "mailbox", "poll_max", "default_subject"}
}

func parseConfig(c pdk.Config) (config, error) {
	raw, err := c.Fields(knownKeys()...)
	if err != nil {
		return config{}, err
	}
	cfg := config{mailbox: "INBOX", pollMax: defaultPollMax, subject: defaultSubject}
	dec := func(k string, dst any, want string) error {
		if v, ok := raw[k]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return abi.InvalidArgument("config %s: want %s", k, want)
			}
		}
		return nil
	}
	for _, d := range []struct {
		k    string
		dst  any
		want string
	}{
		{"allow_all_senders", &cfg.allowAll, "true or false"},
		{"allow_any_recipient", &cfg.anyRecipient, "true or false"},
		{"mailbox", &cfg.mailbox, "a string"},
		{"poll_max", &cfg.pollMax, "an integer"},
		{"default_subject", &cfg.subject, "a string"},
	} {
		if err := dec(d.k, d.dst, d.want); err != nil {
			return config{}, err
		}
	}
	if cfg.pollMax < 1 || cfg.pollMax > 100 {
		return config{}, abi.InvalidArgument("config poll_max: want 1 to 100")
	}
	if strings.TrimSpace(cfg.mailbox) == "" {
		cfg.mailbox = "INBOX"
	}
	if strings.ContainsAny(cfg.subject, "\r\n") {
		return config{}, abi.InvalidArgument("config default_subject contains a line break")
	}
	if cfg.senders, err = parseAddrs("allowed_senders", raw["allowed_senders"]); err != nil {
		return config{}, err
	}
	if cfg.recipients, err = parseAddrs("allowed_recipients", raw["allowed_recipients"]); err != nil {
		return config{}, err
	}
	if len(cfg.senders) == 0 && !cfg.allowAll {
		return config{}, abi.InvalidArgument("config allowed_senders is required (addresses or @domain entries); set allow_all_senders = true to accept mail from anyone")
	}
	return cfg, nil
}

// parseAddrs accepts a list of strings or one string separated by commas,
// semicolons or spaces.
func parseAddrs(key string, raw json.RawMessage) (addrSet, error) {
	out := addrSet{}
	if raw == nil {
		return out, nil
	}
	var items []string
	var one string
	if err := json.Unmarshal(raw, &items); err != nil {
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, abi.InvalidArgument("config %s: want a list of addresses", key)
		}
		items = strings.FieldsFunc(one, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' })
	}
	for _, it := range items {
		it = strings.ToLower(strings.TrimSpace(it))
		if it == "" {
			continue
		}
		if strings.HasPrefix(it, "@") {
			if len(it) < 2 || strings.ContainsAny(it[1:], "@ <>") {
				return nil, abi.InvalidArgument("config %s: %q is not a domain entry", key, it)
			}
			out[it] = true
			continue
		}
		a, err := mail.ParseAddress(it)
		if err != nil {
			return nil, abi.InvalidArgument("config %s: %q is not an address", key, it)
		}
		out[strings.ToLower(a.Address)] = true
	}
	return out, nil
}
