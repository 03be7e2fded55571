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
	Tool    string
	Args    map[string]any
	Summary string
	Expires time.Time
}

// Confirmations holds at most one pending write per (chat, user) for a TTL.
// A user with an empty id never gets one (anonymous senders are withheld).
type Confirmations struct {
	TTL time.Duration
	Now func() time.Time

	mu      sync.Mutex
	pending map[[2]string]Pending
}

func (c *Confirmations) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Propose stores p for (chat, user). It returns false when the user is
// anonymous or another proposal is still pending (the first one stays).
func (c *Confirmations) Propose(chat, user string, p Pending) bool {
	if user == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[[2]string]Pending{}
	}
	k := [2]string{chat, user}
	if old, ok := c.pending[k]; ok && c.now().Before(old.Expires) {
		return false
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	p.Expires = c.now().Add(ttl)
	c.pending[k] = p
	return true
}

// anyUser keys a proposal any member of the chat may confirm (system
// proposals such as a drafted work order from an alarm).
const anyUser = "*"

// Take removes and returns the live proposal for (chat, user), or the
// chat-wide proposal when the user has none.
func (c *Confirmations) Take(chat, user string) (Pending, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range []string{user, anyUser} {
		if u == "" {
			continue
		}
		k := [2]string{chat, u}
		p, ok := c.pending[k]
		if !ok {
			continue
		}
		delete(c.pending, k)
		if c.now().Before(p.Expires) {
			return p, true
		}
	}
	return Pending{}, false
}
