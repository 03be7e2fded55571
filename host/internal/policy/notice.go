package policy

import (
	"context"
	"sync"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// maxNotices caps the distinct notices one plugin gets traced; beyond it a
// plugin's notices are ordinary (rate-limited) log lines, so a plugin cannot
// flood the trace with made-up codes.
const maxNotices = 256

// NoticeEvent is a structured notice a plugin reported (abi.Notice),
// scrubbed, the first time this plugin reported that kind, field and code.
type NoticeEvent struct {
	Plugin  string
	Notice  abi.Notice
	Message string
}

// NoticeObserver receives the first notice of each kind, field and code per
// plugin (the tracer records it). An HTTPObserver passed in Options.Observer
// that also implements NoticeObserver receives them.
type NoticeObserver interface {
	ObserveNotice(ctx context.Context, ev NoticeEvent)
}

// noticeLog remembers which notices a plugin already reported and counts
// repeats.
type noticeLog struct {
	mu   sync.Mutex
	seen map[string]int
	full bool // the cap was reached (warned once)
}

// noticeState is what record decided about one notice.
type noticeState int

const (
	noticeFirst    noticeState = iota // first of its key: log and trace it
	noticeRepeat                      // seen before: count only
	noticeOverflow                    // over the cap: ordinary log line
)

// record counts a notice by key; justFull is set the first time the cap
// refuses a key.
func (l *noticeLog) record(key string) (st noticeState, justFull bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]int{}
	}
	if n, ok := l.seen[key]; ok {
		l.seen[key] = n + 1
		return noticeRepeat, false
	}
	if len(l.seen) >= maxNotices {
		justFull, l.full = !l.full, true
		return noticeOverflow, justFull
	}
	l.seen[key] = 1
	return noticeFirst, false
}

// counts returns how often each notice key was reported.
func (l *noticeLog) counts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.seen))
	for k, v := range l.seen {
		out[k] = v
	}
	return out
}

// notice handles a log record that carries an abi.Notice: the first of each
// kind, field and code is logged at warn and sent to the NoticeObserver
// (the trace); repeats are only counted. It reports false when the record
// should take the ordinary, rate-limited log path instead (cap reached).
func (h *Host) notice(ctx context.Context, rec wire.LogRecord, n abi.Notice) bool {
	n.Field = h.scrub.ScrubString(oneLine(capString(n.Field, 64)))
	n.Code = h.scrub.ScrubString(oneLine(capString(n.Code, 256)))
	n.Fallback = h.scrub.ScrubString(oneLine(capString(n.Fallback, 256)))
	n.Kind = abi.NoticeKind(oneLine(capString(string(n.Kind), 64)))
	st, justFull := h.notices.record(string(n.Kind) + "|" + n.Field + "|" + n.Code)
	if justFull {
		h.log.Warn("plugin reported more distinct notices than are traced; further ones are logged only", "max", maxNotices)
	}
	switch st {
	case noticeRepeat:
		return true
	case noticeOverflow:
		return false
	}
	msg := h.scrub.ScrubString(oneLine(capString(rec.Message, h.logs.maxMsg)))
	if msg == "" {
		msg = n.Message()
	}
	args := []any{"notice", string(n.Kind)}
	for _, kv := range [][2]string{{"field", n.Field}, {"code", n.Code}, {"fallback", n.Fallback}} {
		if kv[1] != "" {
			args = append(args, kv[0], kv[1])
		}
	}
	if n.Count != 0 {
		args = append(args, "count", n.Count)
	}
	h.log.Warn(msg, args...)
	if o, ok := h.observer.(NoticeObserver); ok {
		o.ObserveNotice(ctx, NoticeEvent{Plugin: h.pol.Plugin, Notice: n, Message: msg})
	}
	return true
}

// NoticeCounts returns how often the plugin reported each notice (kind,
// field and code joined by "|"), first reports included.
func (h *Host) NoticeCounts() map[string]int { return h.notices.counts() }
