package maximo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/machina-go/machina/internal/sim/simexpr"
)

// expr is a parsed oslc.where clause.
type expr interface {
	eval(rec record) bool
	attrs(fn func(string))
}

type andExpr struct{ l, r expr }
type orExpr struct{ l, r expr }

type cmpExpr struct {
	attr   string
	negate bool
	values []value // one value for = and !=, several for in [...]
}

type value struct {
	s       string
	quoted  bool
	like    bool // "%…" or "…%": case-insensitive LIKE
	pattern string
}

func (e andExpr) eval(r record) bool { return e.l.eval(r) && e.r.eval(r) }
func (e orExpr) eval(r record) bool  { return e.l.eval(r) || e.r.eval(r) }
func (e andExpr) attrs(fn func(string)) {
	e.l.attrs(fn)
	e.r.attrs(fn)
}
func (e orExpr) attrs(fn func(string)) {
	e.l.attrs(fn)
	e.r.attrs(fn)
}
func (e cmpExpr) attrs(fn func(string)) { fn(e.attr) }

func (e cmpExpr) eval(r record) bool {
	got, ok := r[e.attr]
	if !ok || got == nil {
		return e.negate
	}
	s := scalarString(got)
	match := false
	for _, v := range e.values {
		if v.matches(s) {
			match = true
			break
		}
	}
	return match != e.negate
}

func (v value) matches(s string) bool {
	if !v.like {
		return s == v.s
	}
	return likeMatch(strings.ToLower(v.pattern), strings.ToLower(s))
}

// likeMatch implements SQL LIKE with % only.
func likeMatch(p, s string) bool {
	parts := strings.Split(p, "%")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(s, parts[i])
		if j < 0 {
			return false
		}
		s = s[j+len(parts[i]):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// token kinds of the where lexer.
type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tEq
	tNe
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c < 0x20 || c == 0x7f:
			return nil, fmt.Errorf("control character at offset %d", i)
		case c == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case c == '[':
			out = append(out, token{tLBrack, "[", i})
			i++
		case c == ']':
			out = append(out, token{tRBrack, "]", i})
			i++
		case c == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case c == '=':
			out = append(out, token{tEq, "=", i})
			i++
		case c == '!' && i+1 < len(s) && s[i+1] == '=':
			out = append(out, token{tNe, "!=", i})
			i += 2
		case c == '"':
			start := i
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' { // "" is a literal quote
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				if s[i] < 0x20 || s[i] == 0x7f {
					return nil, fmt.Errorf("control character in string at offset %d", i)
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string starting at offset %d", start)
			}
			out = append(out, token{tString, b.String(), start})
		case c == '-' || c == '.' || (c >= '0' && c <= '9'):
			start := i
			i++
			for i < len(s) && (s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
				i++
			}
			if _, err := strconv.ParseFloat(s[start:i], 64); err != nil {
				return nil, fmt.Errorf("bad number %q at offset %d", s[start:i], start)
			}
			out = append(out, token{tNumber, s[start:i], start})
		case isIdentByte(c):
			start := i
			for i < len(s) && isIdentByte(s[i]) {
				i++
			}
			out = append(out, token{tIdent, s[start:i], start})
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
	}
	return append(out, token{tEOF, "", len(s)}), nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

type parser struct {
	toks []token
	i    int
}

// parseWhere parses an oslc.where clause of the supported subset.
func parseWhere(s string) (expr, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
	}
	return e, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) keyword(w string) bool {
	t := p.peek()
	if t.kind == tIdent && strings.EqualFold(t.text, w) {
		p.i++
		return true
	}
	return false
}

// or parses the whole boolean expression (and binds tighter than or).
func (p *parser) or() (expr, error) {
	return simexpr.Boolean(p.primary, p.keyword,
		func(l, r expr) expr { return andExpr{l, r} },
		func(l, r expr) expr { return orExpr{l, r} })
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, fmt.Errorf("expected ) at offset %d", c.pos)
		}
		return e, nil
	case tIdent:
		attr := strings.ToLower(t.text)
		op := p.next()
		switch {
		case op.kind == tEq || op.kind == tNe:
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			return cmpExpr{attr: attr, negate: op.kind == tNe, values: []value{v}}, nil
		case op.kind == tIdent && strings.EqualFold(op.text, "in"):
			if b := p.next(); b.kind != tLBrack {
				return nil, fmt.Errorf("expected [ after in at offset %d", b.pos)
			}
			var vals []value
			for {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				vals = append(vals, v)
				n := p.next()
				if n.kind == tRBrack {
					break
				}
				if n.kind != tComma {
					return nil, fmt.Errorf("expected , or ] at offset %d", n.pos)
				}
			}
			return cmpExpr{attr: attr, values: vals}, nil
		}
		return nil, fmt.Errorf("expected =, != or in after %q at offset %d", t.text, op.pos)
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
}

func (p *parser) value() (value, error) {
	t := p.next()
	switch t.kind {
	case tString:
		v := value{s: t.text, quoted: true}
		if strings.HasPrefix(t.text, "%") || strings.HasSuffix(t.text, "%") {
			v.like, v.pattern = true, t.text
		}
		return v, nil
	case tNumber:
		f, _ := strconv.ParseFloat(t.text, 64)
		return value{s: strconv.FormatFloat(f, 'f', -1, 64)}, nil
	}
	return value{}, fmt.Errorf("expected a value at offset %d", t.pos)
}
