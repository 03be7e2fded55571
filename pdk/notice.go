package pdk

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/machina-go/machina/abi"
)

// noticeSet remembers the notices already sent during one operation call.
type noticeSet struct {
	mu   sync.Mutex
	sent map[string]bool
}

type noticeKey struct{}

// withNotices gives ctx a fresh per-call notice set (Runner.Invoke does it
// for every export).
func withNotices(ctx context.Context) context.Context {
	return context.WithValue(ctx, noticeKey{}, &noticeSet{sent: map[string]bool{}})
}

// first reports whether key has not been sent yet in this call, and marks
// it sent.
func (s *noticeSet) first(key string) bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent[key] {
		return false
	}
	s.sent[key] = true
	return true
}

// Notify reports a structured notice (abi.Notice) to the host: a `log`
// record at level warn whose fields carry the notice. Within one operation
// call a notice with the same kind, field and code is sent once; the host
// traces the first of each per plugin and counts the rest, so a plugin may
// call Notify for every record it maps.
func Notify(ctx context.Context, n abi.Notice) {
	set, _ := ctx.Value(noticeKey{}).(*noticeSet)
	if !set.first(string(n.Kind) + "\x00" + n.Field + "\x00" + n.Code) {
		return
	}
	Log(ctx, abi.LogWarn, n.Message(), n.Fields())
}

// Unmapped collects, for one record, the raw vendor codes that had no
// mapping, by vendor field. Attach puts them in the record's metadata under
// "unmapped", so the raw code is never lost behind a fallback.
type Unmapped map[string]string

// Attach returns meta with u under the key "unmapped" (meta is allocated
// when nil). It returns meta unchanged when u is empty.
func (u Unmapped) Attach(meta map[string]any) map[string]any {
	if len(u) == 0 {
		return meta
	}
	if meta == nil {
		meta = map[string]any{}
	}
	m := make(map[string]any, len(u))
	for k, v := range u {
		m[k] = v
	}
	meta["unmapped"] = m
	return meta
}

// CodeTable maps one vendor field's codes to domain values, with the
// documented fallback for codes it does not know. Codes are matched after
// trimming and upper-casing. Build one per field at Init (defaults merged
// with the site's configuration, see With) and keep it read-only.
type CodeTable[T any] struct {
	// Field names the vendor field, e.g. "worktype"; it is the key in
	// metadata.unmapped and in the notice.
	Field string
	// Codes are the known codes (keys upper case).
	Codes map[string]T
	// Fallback is used for a code the table does not know.
	Fallback T
}

// NewCodeTable returns a table for field with the given codes (keys are
// normalised to upper case) and fallback.
func NewCodeTable[T any](field string, codes map[string]T, fallback T) CodeTable[T] {
	t := CodeTable[T]{Field: field, Codes: make(map[string]T, len(codes)), Fallback: fallback}
	for k, v := range codes {
		t.Codes[normCode(k)] = v
	}
	return t
}

// With returns a copy of t where overrides (a site's configuration) replace
// or add codes.
func (t CodeTable[T]) With(overrides map[string]T) CodeTable[T] {
	out := CodeTable[T]{Field: t.Field, Codes: make(map[string]T, len(t.Codes)+len(overrides)), Fallback: t.Fallback}
	for k, v := range t.Codes {
		out.Codes[k] = v
	}
	for k, v := range overrides {
		out.Codes[normCode(k)] = v
	}
	return out
}

// Lookup returns the value of code and whether the table knows it.
func (t CodeTable[T]) Lookup(code string) (T, bool) {
	v, ok := t.Codes[normCode(code)]
	return v, ok
}

// Map returns the value of code. An empty code gives the fallback without
// comment (there is nothing to report). An unknown code gives the fallback,
// is recorded in u (when u is not nil) and is reported to the host once per
// call as an abi.NoticeUnmapped: no silent defaults.
func (t CodeTable[T]) Map(ctx context.Context, code string, u Unmapped) T {
	code = strings.TrimSpace(code)
	if code == "" {
		return t.Fallback
	}
	if v, ok := t.Lookup(code); ok {
		return v
	}
	if u != nil {
		u[t.Field] = code
	}
	Notify(ctx, abi.Notice{Kind: abi.NoticeUnmapped, Field: t.Field, Code: code, Fallback: stringOf(t.Fallback)})
	return t.Fallback
}

// Reverse returns the codes mapping to v, sorted: what to write upstream
// for a domain value (callers pick a preferred code when several match).
func (t CodeTable[T]) Reverse(match func(T) bool) []string {
	var out []string
	for k, v := range t.Codes {
		if match(v) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// stringOf renders a fallback for the notice.
func stringOf(v any) string { return fmt.Sprint(v) }
