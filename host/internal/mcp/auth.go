package mcp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/secrets"
)

// Environment variables holding MCP bearer tokens.
const (
	// EnvTokensJSON maps token → client id (or → {"client_id","scope"}).
	EnvTokensJSON = "MACHINA_MCP_TOKENS_JSON"
	// EnvTokensLegacy is the deprecated comma-separated token list.
	EnvTokensLegacy = "MACHINA_MCP_TOKENS"
	// UnattributedClient is the client id of every legacy token.
	UnattributedClient = "machina-unattributed"
)

// Scope limits what a token may do.
type Scope string

// Scopes. A token without a scope has ScopeWrite (everything).
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
)

// Client is an authenticated MCP client.
type Client struct {
	ID    string
	Scope Scope
}

type scopeKey struct{}

// WithScope returns ctx carrying the caller's scope.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the scope carried by ctx; ScopeWrite when none (stdio
// and in-process callers are not limited by a token).
func ScopeFrom(ctx context.Context) Scope {
	if s, ok := ctx.Value(scopeKey{}).(Scope); ok {
		return s
	}
	return ScopeWrite
}

// ErrNoTokens is returned when streamable HTTP has no token configured.
var ErrNoTokens = errors.New("streamable HTTP requires bearer tokens: set " + EnvTokensJSON +
	` (a JSON object {"<token>": "<client id>"} or {"<token>": {"client_id": "<id>", "scope": "read"}}) or mcp.tokens_file in machina.toml` +
	" (a file with the same JSON), or configure [mcp.oauth] to accept access tokens from an identity provider; the legacy " +
	EnvTokensLegacy + " comma list also works but is deprecated")

// TokenSource says where tokens come from.
type TokenSource struct {
	// Getenv reads the environment; default os.Getenv.
	Getenv func(string) string
	// File is mcp.tokens_file ("" for none).
	File string
	// Logger receives warnings (never token values); nil discards.
	Logger hclog.Logger
	// Optional accepts a configuration without static tokens (an empty
	// store): OAuth access tokens authenticate clients instead.
	Optional bool
}

type tokenEntry struct {
	hash   [32]byte
	client Client
}

// TokenStore verifies bearer tokens. Tokens are kept only as SHA-256
// hashes and compared in constant time against every entry. Reload swaps
// the set atomically, so sessions and requests in flight are unaffected.
type TokenStore struct {
	src    TokenSource
	mu     sync.RWMutex
	tokens []tokenEntry
}

// NewTokenStore loads the tokens; it fails with ErrNoTokens when none is
// configured, and with a clear error when the configuration is invalid.
func NewTokenStore(src TokenSource) (*TokenStore, error) {
	if src.Getenv == nil {
		src.Getenv = os.Getenv
	}
	if src.Logger == nil {
		src.Logger = hclog.NewNullLogger()
	}
	t := &TokenStore{src: src}
	if err := t.Reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// Reload reads the tokens again (on SIGHUP). On error the current set is
// kept.
func (t *TokenStore) Reload() error {
	entries, err := loadTokens(t.src)
	if errors.Is(err, ErrNoTokens) && t.src.Optional {
		entries, err = nil, nil
	}
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.tokens = entries
	t.mu.Unlock()
	t.src.Logger.Info("mcp tokens loaded", "count", len(entries))
	return nil
}

// Len is the number of tokens.
func (t *TokenStore) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.tokens)
}

// Lookup verifies a presented token. It hashes it and compares the hash
// with every entry in constant time (no early exit), so neither the result
// nor the time taken reveals how much of a token matched.
func (t *TokenStore) Lookup(token string) (Client, bool) {
	if token == "" {
		return Client{}, false
	}
	h := sha256.Sum256([]byte(token))
	t.mu.RLock()
	defer t.mu.RUnlock()
	found := -1
	for i := range t.tokens {
		if subtle.ConstantTimeCompare(h[:], t.tokens[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Client{}, false
	}
	return t.tokens[found].client, true
}

func loadTokens(src TokenSource) ([]tokenEntry, error) {
	log := src.Logger
	if raw := strings.TrimSpace(src.Getenv(EnvTokensJSON)); raw != "" {
		if src.File != "" {
			log.Warn("both "+EnvTokensJSON+" and mcp.tokens_file are set; using the environment variable", "tokens_file", src.File)
		}
		return parseTokenJSON([]byte(raw), EnvTokensJSON, log)
	}
	if src.File != "" {
		if f, bad := secrets.CheckFileMode(src.File); bad {
			log.Warn("mcp tokens file is readable by other users; chmod 600 it", "path", src.File, "detail", f.Message)
		}
		b, err := os.ReadFile(src.File)
		if err != nil {
			return nil, fmt.Errorf("mcp.tokens_file: %w", err)
		}
		return parseTokenJSON(b, "mcp.tokens_file", log)
	}
	if raw := src.Getenv(EnvTokensLegacy); strings.TrimSpace(raw) != "" {
		log.Warn(EnvTokensLegacy + " is deprecated: every token is attributed to client id " + UnattributedClient +
			"; switch to " + EnvTokensJSON + " to map each token to a named client")
		var out []tokenEntry
		for _, tok := range strings.Split(raw, ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				out = append(out, tokenEntry{hash: sha256.Sum256([]byte(tok)), client: Client{ID: UnattributedClient, Scope: ScopeWrite}})
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, ErrNoTokens
}

func parseTokenJSON(b []byte, where string, log hclog.Logger) ([]tokenEntry, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		// The value is secret: never echo it, nor json's excerpt of it.
		return nil, fmt.Errorf("%s is not a valid JSON object (token → client id)", where)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%s must be a non-empty JSON object (token → client id)", where)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]tokenEntry, 0, len(m))
	var short int
	for i, tok := range keys {
		if strings.TrimSpace(tok) == "" {
			return nil, fmt.Errorf("%s: entry %d has an empty token", where, i+1)
		}
		var c Client
		var id string
		if err := json.Unmarshal(m[tok], &id); err == nil {
			c = Client{ID: id, Scope: ScopeWrite}
		} else {
			var obj struct {
				ClientID string `json:"client_id"`
				Scope    string `json:"scope"`
			}
			if err := json.Unmarshal(m[tok], &obj); err != nil {
				return nil, fmt.Errorf("%s: entry %d: want a client id string or {\"client_id\", \"scope\"}", where, i+1)
			}
			c = Client{ID: obj.ClientID, Scope: Scope(obj.Scope)}
			if c.Scope == "" {
				c.Scope = ScopeWrite
			}
		}
		c.ID = strings.TrimSpace(c.ID)
		if c.ID == "" {
			return nil, fmt.Errorf("%s: entry %d has an empty client id", where, i+1)
		}
		if c.Scope != ScopeRead && c.Scope != ScopeWrite {
			return nil, fmt.Errorf("%s: client %q: scope %q is not read or write", where, c.ID, c.Scope)
		}
		if len(tok) < 16 {
			short++
		}
		out = append(out, tokenEntry{hash: sha256.Sum256([]byte(tok)), client: c})
	}
	if short > 0 {
		log.Warn("some MCP tokens are shorter than 16 characters; generate tokens with `openssl rand -hex 32`", "count", short)
	}
	return out, nil
}
