package codec

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// Decoder reads one JSON document with encoding/json's rules: the same
// syntax, the same unescaping (invalid UTF-8 and lone surrogates become
// U+FFFD), numbers checked against the destination type, object keys
// matched exactly first and then case-insensitively, unknown members
// skipped (but validated), null leaving scalars unchanged and clearing
// slices, maps and pointers.
//
// Errors are sticky: after the first one every method returns a zero
// value, and Err reports it.
type Decoder struct {
	b     []byte
	i     int
	depth int
	err   error
	key   []byte // scratch for unescaped keys

	// For Any: the size of the last object seen at each depth (rows of a
	// page are alike, so a map made that large rarely grows), and small
	// direct-mapped caches of keys and boxed short strings, which repeat
	// row after row. They only save allocations; values are equal either
	// way.
	sizes [8]int
	keys  *[256]string
	vals  *[256]any
}

// SyntaxError is malformed JSON.
type SyntaxError struct {
	Offset int
	msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.msg)
}

// TypeError is valid JSON of the wrong type for its destination.
type TypeError struct {
	Offset int
	Want   string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("JSON value at offset %d cannot be decoded into %s", e.Offset, e.Want)
}

// Decode runs fn on a Decoder over b and checks that only whitespace
// follows the value it read.
func Decode(b []byte, fn func(d *Decoder)) error {
	d := Decoder{b: b}
	fn(&d)
	if d.err == nil {
		d.ws()
		if d.i < len(d.b) {
			d.syntax("data after the JSON value")
		}
	}
	return d.err
}

// Err returns the first error.
func (d *Decoder) Err() error { return d.err }

func (d *Decoder) syntax(msg string) {
	if d.err == nil {
		d.err = &SyntaxError{Offset: d.i, msg: msg}
	}
}

func (d *Decoder) mismatch(want string) {
	if d.err == nil {
		d.err = &TypeError{Offset: d.i, Want: want}
	}
}

func (d *Decoder) ws() {
	b, i := d.b, d.i
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	d.i = i
}

// next skips whitespace and returns the next byte, or 0 with a syntax
// error at the end of input (a NUL byte is never valid there either).
func (d *Decoder) next() byte {
	d.ws()
	if d.i >= len(d.b) {
		d.syntax("unexpected end of JSON input")
		return 0
	}
	c := d.b[d.i]
	if c == 0 {
		d.syntax("invalid character looking for the beginning of a value")
	}
	return c
}

func (d *Decoder) literal(lit string) {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		d.syntax("invalid literal")
		return
	}
	d.i += len(lit)
}

// Null consumes a null and reports whether there was one.
func (d *Decoder) Null() bool {
	if d.err != nil || d.next() != 'n' {
		return false
	}
	d.literal("null")
	return d.err == nil
}

// Object reads an object, calling member with each (unescaped) key; member
// must consume the value. The key is valid only until member starts
// reading the value.
func (d *Decoder) Object(member func(key []byte)) {
	if d.err != nil {
		return
	}
	switch d.next() {
	case '{':
	case 0:
		return
	default:
		d.mismatch("an object")
		return
	}
	if d.push(); d.err != nil {
		return
	}
	d.i++
	if d.next() == '}' {
		d.i++
		d.depth--
		return
	}
	for d.err == nil {
		if d.next() != '"' {
			d.syntax("expected a string key")
			return
		}
		key := d.rawString(d.key[:0])
		if d.err != nil {
			return
		}
		if d.next() != ':' {
			d.syntax("expected ':' after an object key")
			return
		}
		d.i++
		d.key = key
		member(key)
		if d.err != nil {
			return
		}
		switch d.next() {
		case ',':
			d.i++
		case '}':
			d.i++
			d.depth--
			return
		default:
			d.syntax("expected ',' or '}' in an object")
		}
	}
}

// Array reads an array, calling elem for each element; elem must consume
// it.
func (d *Decoder) Array(elem func()) {
	if d.err != nil {
		return
	}
	switch d.next() {
	case '[':
	case 0:
		return
	default:
		d.mismatch("an array")
		return
	}
	if d.push(); d.err != nil {
		return
	}
	d.i++
	if d.next() == ']' {
		d.i++
		d.depth--
		return
	}
	for d.err == nil {
		elem()
		if d.err != nil {
			return
		}
		switch d.next() {
		case ',':
			d.i++
		case ']':
			d.i++
			d.depth--
			return
		default:
			d.syntax("expected ',' or ']' in an array")
		}
	}
}

func (d *Decoder) push() {
	if d.depth++; d.depth > maxDepth {
		d.syntax("exceeded max depth")
	}
}

// String reads a string.
func (d *Decoder) String() string {
	if d.err != nil {
		return ""
	}
	switch d.next() {
	case '"':
	case 0:
		return ""
	default:
		d.mismatch("a string")
		return ""
	}
	// Fast path: plain ASCII up to the closing quote.
	b := d.b
	for j := d.i + 1; j < len(b); j++ {
		c := b[j]
		if c == '"' {
			s := string(b[d.i+1 : j])
			d.i = j + 1
			return s
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	return string(d.rawString(nil))
}

// rawString reads the string at d.i (which is '"') and appends its
// unescaped bytes to buf.
func (d *Decoder) rawString(buf []byte) []byte {
	b := d.b
	i := d.i + 1
	start := i
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			d.i = i + 1
			return append(buf, b[start:i]...)
		case c == '\\':
			buf = append(buf, b[start:i]...)
			d.i = i
			buf = d.escape(buf)
			if d.err != nil {
				return buf
			}
			i, start = d.i, d.i
		case c < 0x20:
			d.i = i
			d.syntax("control character in a string")
			return buf
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, b[start:i]...)
				buf = append(buf, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
		}
	}
	d.i = i
	d.syntax("unexpected end of JSON input")
	return buf
}

// escape decodes the escape sequence at d.i.
func (d *Decoder) escape(buf []byte) []byte {
	if d.i+1 >= len(d.b) {
		d.i = len(d.b)
		d.syntax("unexpected end of JSON input")
		return buf
	}
	c := d.b[d.i+1]
	switch c {
	case '"', '\\', '/':
		d.i += 2
		return append(buf, c)
	case 'b':
		d.i += 2
		return append(buf, '\b')
	case 'f':
		d.i += 2
		return append(buf, '\f')
	case 'n':
		d.i += 2
		return append(buf, '\n')
	case 'r':
		d.i += 2
		return append(buf, '\r')
	case 't':
		d.i += 2
		return append(buf, '\t')
	case 'u':
		r := d.u4()
		if r < 0 {
			return buf
		}
		if utf16.IsSurrogate(r) {
			save := d.i
			if len(d.b)-d.i >= 6 && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
				r2 := d.u4()
				if d.err != nil {
					return buf
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					return utf8.AppendRune(buf, dec)
				}
			}
			d.i = save
			r = utf8.RuneError
		}
		return utf8.AppendRune(buf, r)
	}
	d.i++
	d.syntax("invalid escape in a string")
	return buf
}

// u4 reads \uXXXX at d.i.
func (d *Decoder) u4() rune {
	if len(d.b)-d.i < 6 {
		d.i = len(d.b)
		d.syntax("unexpected end of JSON input")
		return -1
	}
	var r rune
	for _, c := range d.b[d.i+2 : d.i+6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			d.syntax("invalid \\u escape in a string")
			return -1
		}
		r = r*16 + rune(c)
	}
	d.i += 6
	return r
}

// number reads a number literal and returns its text.
func (d *Decoder) number() []byte {
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	if d.i >= len(d.b) {
		d.syntax("unexpected end of JSON input")
		return nil
	}
	switch c := d.b[d.i]; {
	case c == '0':
		d.i++
	case '1' <= c && c <= '9':
		d.digits()
	default:
		d.syntax("invalid number")
		return nil
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			d.syntax("invalid number")
			return nil
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			d.syntax("invalid number")
			return nil
		}
	}
	return d.b[start:d.i]
}

func (d *Decoder) digits() int {
	b, i := d.b, d.i
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	n := i - d.i
	d.i = i
	return n
}

// numberText reads a number where one is expected.
func (d *Decoder) numberText(want string) []byte {
	if d.err != nil {
		return nil
	}
	switch c := d.next(); {
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	case c == 0:
		return nil
	}
	d.mismatch(want)
	return nil
}

// Int reads an integer that fits in bits.
func (d *Decoder) Int(bits int) int64 {
	at := d.i
	s := d.numberText("an integer")
	if s == nil {
		return 0
	}
	v, err := strconv.ParseInt(string(s), 10, bits)
	if err != nil {
		d.i = at
		d.mismatch(fmt.Sprintf("an int%d", bits))
		return 0
	}
	return v
}

// Uint reads an unsigned integer that fits in bits.
func (d *Decoder) Uint(bits int) uint64 {
	at := d.i
	s := d.numberText("an unsigned integer")
	if s == nil {
		return 0
	}
	v, err := strconv.ParseUint(string(s), 10, bits)
	if err != nil {
		d.i = at
		d.mismatch(fmt.Sprintf("a uint%d", bits))
		return 0
	}
	return v
}

// Float reads a number that fits in a float of bits.
func (d *Decoder) Float(bits int) float64 {
	at := d.i
	s := d.numberText("a number")
	if s == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(s), bits)
	if err != nil {
		d.i = at
		d.mismatch(fmt.Sprintf("a float%d", bits))
		return 0
	}
	return v
}

// Bool reads true or false.
func (d *Decoder) Bool() bool {
	if d.err != nil {
		return false
	}
	switch d.next() {
	case 't':
		d.literal("true")
		return d.err == nil
	case 'f':
		d.literal("false")
		return false
	case 0:
		return false
	}
	d.mismatch("a boolean")
	return false
}

// Any reads a value as encoding/json decodes into an empty interface:
// map[string]any, []any, string, float64, bool or nil.
func (d *Decoder) Any() any {
	if d.err != nil {
		return nil
	}
	switch c := d.next(); {
	case c == '{':
		return d.anyObject()
	case c == '[':
		a := []any{}
		d.Array(func() { a = append(a, d.Any()) })
		return a
	case c == '"':
		return d.anyString()
	case c == 't' || c == 'f':
		return d.Bool()
	case c == 'n':
		d.literal("null")
		return nil
	case c == '-' || ('0' <= c && c <= '9'):
		return d.Float(64)
	case c == 0:
		return nil
	}
	d.syntax("invalid character looking for the beginning of a value")
	return nil
}

func (d *Decoder) anyObject() map[string]any {
	level := min(d.depth, len(d.sizes)-1)
	m := make(map[string]any, d.sizes[level])
	d.Object(func(k []byte) {
		key := d.intern(k)
		m[key] = d.Any()
	})
	d.sizes[level] = len(m)
	return m
}

// slot picks a cache slot for b from its length and outer bytes.
func slot(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	return (len(b)*31 + int(b[0])*7 + int(b[len(b)-1])) & 255
}

// intern returns k as a string, reusing an equal one seen before.
func (d *Decoder) intern(k []byte) string {
	if d.keys == nil {
		d.keys = new([256]string)
	}
	e := &d.keys[slot(k)]
	if *e != string(k) {
		*e = string(k)
	}
	return *e
}

// anyString reads a string as an interface value, reusing the boxed
// value of an equal short string seen before.
func (d *Decoder) anyString() any {
	s := d.String()
	if d.err != nil || len(s) > 32 {
		return s
	}
	if d.vals == nil {
		d.vals = new([256]any)
	}
	e := &d.vals[slot(unsafe.Slice(unsafe.StringData(s), len(s)))]
	if old, ok := (*e).(string); ok && old == s {
		return *e
	}
	*e = s
	return *e
}

// Skip reads and discards one value, checking its syntax.
func (d *Decoder) Skip() {
	if d.err != nil {
		return
	}
	switch c := d.next(); {
	case c == '{':
		d.Object(func([]byte) { d.Skip() })
	case c == '[':
		d.Array(d.Skip)
	case c == '"':
		d.rawString(d.key[:0])
	case c == 't':
		d.literal("true")
	case c == 'f':
		d.literal("false")
	case c == 'n':
		d.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		d.number()
	case c != 0:
		d.syntax("invalid character looking for the beginning of a value")
	}
}

// Field returns the index of key in names: an exact match first, then a
// case-insensitive one (as encoding/json matches struct fields), or -1.
func Field(key []byte, names []string) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	for i, n := range names {
		if bytes.EqualFold(key, unsafe.Slice(unsafe.StringData(n), len(n))) {
			return i
		}
	}
	return -1
}

// Bytes reads a []byte as encoding/json does: a base64 string, or an array
// of numbers 0–255.
func (d *Decoder) Bytes() []byte {
	if d.err != nil {
		return nil
	}
	switch d.next() {
	case '"':
		at := d.i
		s := d.rawString(nil)
		if d.err != nil {
			return nil
		}
		out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(out, s)
		if err != nil {
			d.i = at
			d.mismatch("base64 bytes")
			return nil
		}
		return out[:n]
	case '[':
		out := []byte{}
		d.Array(func() {
			var c byte
			if !d.Null() {
				c = byte(d.Uint(8))
			}
			out = append(out, c)
		})
		return out
	case 0:
		return nil
	}
	d.mismatch("bytes")
	return nil
}
