package agent

import (
	"strings"
	"sync"
	"time"
)

// Answer is a parsed reply to a confirmation question.
type Answer int

// Answers to a pending write.
const (
	AnswerOther Answer = iota
	AnswerYes
	AnswerNo
)

var (
	affirmations = map[string]bool{"y": true, "yes": true, "ok": true, "okay": true, "confirm": true, "confirmed": true,
		"sì": true, "si": true, "conferma": true, "procedi": true, "vai": true}
	declines = map[string]bool{"n": true, "no": true, "annulla": true, "cancel": true, "stop": true, "abort": true}
)

// ParseAnswer reads a bare affirmation or decline (English or Italian). It
// is deterministic and never goes through the model; anything but a bare
// token is AnswerOther.
func ParseAnswer(text string) Answer {
	t := strings.ToLower(strings.TrimSpace(text))
	t = strings.TrimRight(t, ".!? ")
	switch {
	case affirmations[t]:
		return AnswerYes
	case declines[t]:
		return AnswerNo
	}
	return AnswerOther
}

// Pending is a proposed write waiting for confirmation.
type Pending struct {
	Tool    string         `json:"tool"`
	Args    map[string]any `json:"args"`
	Summary string         `json:"summary"`
	Expires time.Time      `json:"expires"`
}

// same reports whether p proposes the same write as q.
func (p Pending) same(q Pending) bool {
	return p.Tool == q.Tool && canonical(p.Args) == canonical(q.Args)
}

// Confirmations holds at most one pending write per (chat, user) for a TTL.
// A user with an empty id never gets one (anonymous senders are withheld).
type Confirmations struct {
	TTL time.Duration
	Now func() time.Time
	// OnChange, when set, is called after every change (outside the lock):
	// the agent saves its state there.
	OnChange func()

	mu      sync.Mutex
	pending map[[2]string]Pending
}

func (c *Confirmations) changed() {
	if c.OnChange != nil {
		c.OnChange()
	}
}

func (c *Confirmations) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Propose stores p for (chat, user). It returns false when the user is
// anonymous or another proposal is still pending (the first one stays);
// proposing the pending write again is a no-op that returns true (a
// workflow resumed after a restart).
func (c *Confirmations) Propose(chat, user string, p Pending) bool {
	if user == "" {
		return false
	}
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[[2]string]Pending{}
	}
	k := [2]string{chat, user}
	if old, ok := c.pending[k]; ok && c.now().Before(old.Expires) {
		c.mu.Unlock()
		return old.same(p)
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	p.Expires = c.now().Add(ttl)
	c.pending[k] = p
	c.mu.Unlock()
	c.changed()
	return true
}

// anyUser keys a proposal any member of the chat may confirm (system
// proposals such as a drafted work order from an alarm).
const anyUser = "*"

// Take removes and returns the live proposal for (chat, user), or the
// chat-wide proposal when the user has none. When there is none, expired
// is the newest proposal that timed out instead (Summary set), so the
// caller can say so.
func (c *Confirmations) Take(chat, user string) (p Pending, ok bool, expired Pending) {
	c.mu.Lock()
	taken := false
	defer func() {
		c.mu.Unlock()
		if taken {
			c.changed()
		}
	}()
	for _, u := range []string{user, anyUser} {
		if u == "" {
			continue
		}
		k := [2]string{chat, u}
		q, found := c.pending[k]
		if !found {
			continue
		}
		delete(c.pending, k)
		taken = true
		if c.now().Before(q.Expires) {
			return q, true, Pending{}
		}
		if q.Expires.After(expired.Expires) {
			expired = q
		}
	}
	return Pending{}, false, expired
}

// savedProposal is one pending proposal on disk.
type savedProposal struct {
	Chat    string  `json:"chat"`
	User    string  `json:"user"`
	Pending Pending `json:"pending"`
}

// snapshot lists the pending proposals (for saving).
func (c *Confirmations) snapshot() []savedProposal {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]savedProposal, 0, len(c.pending))
	for k, p := range c.pending {
		out = append(out, savedProposal{Chat: k[0], User: k[1], Pending: p})
	}
	return out
}

// restore puts saved proposals back, expired ones included (Take then
// reports them as expired).
func (c *Confirmations) restore(saved []savedProposal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[[2]string]Pending{}
	}
	for _, s := range saved {
		if s.Chat != "" && s.User != "" && s.Pending.Tool != "" {
			c.pending[[2]string{s.Chat, s.User}] = s.Pending
		}
	}
}
