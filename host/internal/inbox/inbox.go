package inbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/machina-go/machina/host/internal/durable"
)

// State is what became of a message.
type State string

// Message states. Every state but Replying is settled: the message is not
// handled again.
const (
	// Replying: the reply is recorded and being sent; a redelivery sends
	// it again (the send's outcome is unknown).
	Replying State = "replying"
	// Answered: the reply was sent (or blocked by the sandbox).
	Answered State = "answered"
	// Handled: handled without a reply.
	Handled State = "handled"
	// Refused: the plugin dropped the message and the host traced it.
	Refused State = "refused"
	// Failed: the handler failed repeatedly; the host gave up.
	Failed State = "failed"
)

// Settled reports whether a message in state s is done.
func (s State) Settled() bool { return s != "" && s != Replying }

// Defaults for Options.
const (
	DefaultRetain     = 7 * 24 * time.Hour
	DefaultMaxRecords = 10000
)

// Record is the ledger's entry for one message.
type Record struct {
	Channel string `json:"c"`
	ID      string `json:"id"`
	State   State  `json:"s"`
	// Reply is the recorded reply while State is Replying.
	Reply string `json:"r,omitempty"`
	// At is when the state was recorded (unix seconds).
	At int64 `json:"t"`
	// Recovered is set for a Replying record read back from disk: a crash
	// interrupted its send, which may or may not have reached the chat.
	Recovered bool `json:"-"`
}

// Options configures a Ledger.
type Options struct {
	// Path is the journal file; empty keeps the ledger in memory.
	Path string
	// Retain is how long settled records are kept (default 7 days).
	Retain time.Duration
	// MaxRecords caps the settled records kept (default 10000).
	MaxRecords int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Ledger records what became of incoming messages. It is safe for
// concurrent use.
type Ledger struct {
	opts    Options
	journal *durable.Journal

	mu   sync.Mutex
	recs map[key]Record
}

type key struct{ channel, id string }

// Open loads the ledger at opts.Path (creating it when missing). The
// Recovery reports a torn last line (cut off: the change it recorded had
// not been acted on) and skipped corrupt lines.
func Open(opts Options) (*Ledger, durable.Recovery, error) {
	if opts.Retain <= 0 {
		opts.Retain = DefaultRetain
	}
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = DefaultMaxRecords
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Ledger{opts: opts, recs: map[key]Record{}}
	if opts.Path == "" {
		return l, durable.Recovery{}, nil
	}
	j, rec, err := durable.OpenJournal(opts.Path, func(b []byte) error {
		var r Record
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		if r.Channel == "" || r.ID == "" || r.State == "" {
			return errors.New("incomplete record")
		}
		r.Recovered = r.State == Replying
		l.recs[key{r.Channel, r.ID}] = r
		return nil
	})
	if err != nil {
		return nil, rec, fmt.Errorf("inbox: %w", err)
	}
	l.journal = j
	if err := l.compact(true); err != nil {
		j.Close()
		return nil, rec, err
	}
	return l, rec, nil
}

// Get returns the record of a message.
func (l *Ledger) Get(channel, id string) (Record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.recs[key{channel, id}]
	return r, ok
}

// Set records the state of a message (reply only with Replying) and
// returns once it is on disk. On a write error the state is still held in
// memory (and the error returned).
func (l *Ledger) Set(channel, id string, s State, reply string) error {
	if channel == "" || id == "" || s == "" {
		return errors.New("inbox: channel, id and state are required")
	}
	if s != Replying {
		reply = ""
	}
	r := Record{Channel: channel, ID: id, State: s, Reply: reply, At: l.opts.Now().Unix()}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Memory first: when the disk fails, this process still never handles
	// the message twice; only a crash on top of it could.
	l.recs[key{channel, id}] = r
	if l.journal != nil {
		if err := l.journal.Append(r); err != nil {
			return fmt.Errorf("inbox: %w", err)
		}
	}
	return l.compact(false)
}

// Len is the number of records held.
func (l *Ledger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recs)
}

// compact prunes settled records past Retain or beyond MaxRecords (oldest
// first) and, when the journal holds twice the live records (or force),
// rewrites it; l.mu is held (or the ledger is not shared yet).
func (l *Ledger) compact(force bool) error {
	live := len(l.recs)
	if !force && (l.journal == nil || l.journal.Records() < 2*live+1000) && live <= l.opts.MaxRecords+l.opts.MaxRecords/10 {
		return nil
	}
	cutoff := l.opts.Now().Add(-l.opts.Retain).Unix()
	var settled []Record
	for k, r := range l.recs {
		switch {
		case !r.State.Settled():
		case r.At < cutoff:
			delete(l.recs, k)
		default:
			settled = append(settled, r)
		}
	}
	if extra := len(settled) - l.opts.MaxRecords; extra > 0 {
		sort.Slice(settled, func(i, j int) bool { return settled[i].At < settled[j].At })
		for _, r := range settled[:extra] {
			delete(l.recs, key{r.Channel, r.ID})
		}
	}
	if l.journal == nil {
		return nil
	}
	all := make([]Record, 0, len(l.recs))
	for _, r := range l.recs {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].At < all[j].At })
	out := make([]any, len(all))
	for i, r := range all {
		out[i] = r
	}
	if err := l.journal.Rewrite(out); err != nil {
		return fmt.Errorf("inbox: compacting: %w", err)
	}
	return nil
}

// Close closes the journal.
func (l *Ledger) Close() error {
	if l.journal == nil {
		return nil
	}
	return l.journal.Close()
}
