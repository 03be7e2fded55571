package secrets

import (
	"fmt"
)

// Redacted is what a secret value is rendered as everywhere.
const Redacted = "[REDACTED]"

// Value holds one secret. Its zero value is the empty secret. Printing it
// with any fmt verb (including %#v and %+v, directly or nested in a
// struct), marshalling it to JSON or text, or logging it renders
// "[REDACTED]"; Reveal is the only way to the plaintext.
//
// The plaintext sits behind a *string so that even reflection-based
// printing of an unexported Value field (which bypasses the methods) shows
// an address, whatever the verb, never the secret.
type Value struct {
	p *string
}

// NewValue wraps a plaintext secret. Use it for secrets that do not come
// from a Registry (e.g. MCP bearer tokens read from a tokens file).
func NewValue(plaintext string) Value {
	if plaintext == "" {
		return Value{}
	}
	return Value{p: &plaintext}
}

// Reveal returns the plaintext. Call it only at the point of use (e.g. when
// building an Authorization header) and never pass the result to a logger.
func (v Value) Reveal() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

// IsZero reports whether the secret is empty.
func (v Value) IsZero() bool { return v.p == nil || *v.p == "" }

// Len returns the length in bytes of the plaintext (safe to log).
func (v Value) Len() int { return len(v.Reveal()) }

// Equal reports whether two values hold the same plaintext.
func (v Value) Equal(o Value) bool { return v.Reveal() == o.Reveal() }

// String implements fmt.Stringer and always returns "[REDACTED]".
func (v Value) String() string { return Redacted }

// GoString implements fmt.GoStringer and always returns "[REDACTED]".
func (v Value) GoString() string { return Redacted }

// Format implements fmt.Formatter: every verb renders "[REDACTED]".
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON implements json.Marshaler: the JSON string "[REDACTED]".
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler: "[REDACTED]".
func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
