package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/internal/wire"
)

// maxLogFields caps the fields of one plugin log record.
const maxLogFields = 16

// logLimiter rate-limits plugin log lines and counts what it drops.
type logLimiter struct {
	b      *bucket
	maxMsg int

	mu         sync.Mutex
	suppressed uint64
}

func newLogLimiter(rate float64, burst, maxMsg int, now func() time.Time) *logLimiter {
	return &logLimiter{b: newBucket(rate, float64(burst), now), maxMsg: maxMsg}
}

// admit reports whether a line may be written and how many lines were
// suppressed since the last admitted one.
func (l *logLimiter) admit() (ok bool, suppressed uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.b.take() {
		l.suppressed++
		return false, 0
	}
	s := l.suppressed
	l.suppressed = 0
	return true, s
}

// flush reports lines suppressed since the last admitted one.
func (l *logLimiter) flush(log hclog.Logger) {
	l.mu.Lock()
	s := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	if s > 0 {
		log.Warn(fmt.Sprintf("%d plugin log lines suppressed", s))
	}
}

// Log implements plugin.Host: the plugin's log line goes to the host log
// under the plugin's name, rate-limited, length-capped and scrubbed. A
// record that carries an abi.Notice is logged and traced once per kind,
// field and code (see notice.go), outside the rate limit.
func (h *Host) Log(ctx context.Context, rec wire.LogRecord) {
	if n, ok := abi.NoticeFromFields(rec.Fields); ok && h.notice(ctx, rec, n) {
		return
	}
	ok, suppressed := h.logs.admit()
	if !ok {
		return
	}
	if suppressed > 0 {
		h.log.Warn(fmt.Sprintf("%d plugin log lines suppressed", suppressed))
	}
	msg := h.scrub.ScrubString(oneLine(capString(rec.Message, h.logs.maxMsg)))
	keys := make([]string, 0, len(rec.Fields))
	for k := range rec.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]any, 0, 2*min(len(keys), maxLogFields)+2)
	for i, k := range keys {
		if i == maxLogFields {
			args = append(args, "fields_dropped", len(keys)-maxLogFields)
			break
		}
		v := capString(fmt.Sprint(rec.Fields[k]), 256)
		if secrets.LooksSecretKey(k) {
			v = secrets.Redacted
		}
		args = append(args, oneLine(capString(k, 64)), h.scrub.ScrubString(v))
	}
	switch rec.Level {
	case abi.LogDebug:
		h.log.Debug(msg, args...)
	case abi.LogWarn:
		h.log.Warn(msg, args...)
	case abi.LogError:
		h.log.Error(msg, args...)
	default:
		h.log.Info(msg, args...)
	}
}

// capString cuts s to at most n bytes on a rune boundary.
func capString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated]"
}

// oneLine escapes control characters so a plugin cannot forge extra log
// lines.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return '␤'
		}
		return r
	}, s)
}
