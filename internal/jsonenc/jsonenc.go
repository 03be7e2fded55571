// Package jsonenc appends JSON strings and numbers exactly as
// encoding/json's Marshal writes them, for the encoders that skip
// reflection: the guest codec of the pdk (pdk/internal/codec) and the
// trace writer of the host.
//
// It holds no state, depends on the standard library only and compiles
// for GOOS=wasip1 GOARCH=wasm, because plugins link it.
package jsonenc

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// safeASCII marks, for HTML escaping off ([0]) and on ([1]), the ASCII
// bytes Marshal copies into a string unescaped. It is never written after
// initialisation.
var safeASCII = func() (t [2][utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[0][c] = c != '"' && c != '\\'
		t[1][c] = t[0][c] && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// AppendString appends s as a quoted JSON string: control characters,
// quote and backslash escaped, invalid UTF-8 replaced by U+FFFD,
// U+2028/U+2029 escaped, and with html also <, > and & (as Marshal does;
// an Encoder with SetEscapeHTML(false) does not).
func AppendString(b []byte, s string, html bool) []byte {
	safe := &safeASCII[0]
	if html {
		safe = &safeASCII[1]
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = appendEscaped(append(b, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEscaped appends the escape of the ASCII byte c.
func appendEscaped(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// ErrUnsupportedFloat is returned for NaN and infinities, which JSON
// cannot represent.
var ErrUnsupportedFloat = errors.New("json: unsupported value: NaN or infinity")

// AppendFloat appends f as Marshal formats a float of the given bit size
// (like %g, with ES6 exponent cut-offs).
func AppendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, ErrUnsupportedFloat
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}
