package mcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"

	"github.com/mark3labs/mcp-go/server"
)

// maxSessions bounds the session bindings kept in memory. Beyond it the
// oldest binding is forgotten; its client gets 404 on the next request and
// starts a new session, as the MCP specification asks of clients.
const maxSessions = 4096

// sessionPrefix starts every session id this server issues.
const sessionPrefix = "mcp-session-"

// errUnknownSession is what a request gets for a session id that this
// server did not issue to the presenting client.
var errUnknownSession = errors.New("unknown session")

type clientKey struct{}

// withClient returns ctx carrying the authenticated client.
func withClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

func clientFrom(ctx context.Context) (Client, bool) {
	c, ok := ctx.Value(clientKey{}).(Client)
	return c, ok
}

// sessions binds each MCP session id to the client (id and scope) whose
// token opened it. The session id travels in the Mcp-Session-Id header and
// is not a credential: a request presenting a session id with a token of
// another client (or another scope) is answered like an unknown session,
// 404, as the MCP specification prescribes. Two tokens of the same client
// id and scope are the same principal (so a rotated token keeps its
// sessions).
//
// It is mcp-go's SessionIdManagerResolver (so ids are minted and checked
// with the presenting client in view) and is also consulted by the /mcp
// middleware for every method, because mcp-go does not validate the
// session id of a GET (the notification stream).
type sessions struct {
	mu    sync.Mutex
	owner map[string]Client
	order []string // issue order, for eviction beyond maxSessions
}

func newSessions() *sessions { return &sessions{owner: map[string]Client{}} }

// check reports whether id was issued to c (errUnknownSession otherwise).
func (s *sessions) check(id string, c Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.owner[id]; !ok || o.ID != c.ID || o.Scope != c.Scope {
		return errUnknownSession
	}
	return nil
}

func (s *sessions) issue(c Client) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	id := sessionPrefix + hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owner[id] = Client{ID: c.ID, Scope: c.Scope}
	s.order = append(s.order, id)
	for len(s.order) > maxSessions {
		delete(s.owner, s.order[0])
		s.order = s.order[1:]
	}
	return id
}

func (s *sessions) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.owner, id)
	for i, v := range s.order {
		if v == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

// ResolveSessionIdManager implements server.SessionIdManagerResolver. r is
// nil when mcp-go terminates sessions on its own (shutdown).
func (s *sessions) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	m := sessionManager{s: s}
	if r != nil {
		m.client, m.known = clientFrom(r.Context())
	}
	return m
}

// sessionManager is the per-request view of sessions.
type sessionManager struct {
	s      *sessions
	client Client
	known  bool // the request carried an authenticated client
}

// Generate implements server.SessionIdManager.
func (m sessionManager) Generate() string {
	if !m.known {
		return "" // never reached: the middleware authenticates first
	}
	return m.s.issue(m.client)
}

// Validate implements server.SessionIdManager.
func (m sessionManager) Validate(id string) (bool, error) {
	if !m.known {
		return false, errUnknownSession
	}
	return false, m.s.check(id, m.client)
}

// Terminate implements server.SessionIdManager.
func (m sessionManager) Terminate(id string) (bool, error) {
	if m.known {
		if err := m.s.check(id, m.client); err != nil {
			return false, err
		}
	}
	m.s.forget(id)
	return false, nil
}
