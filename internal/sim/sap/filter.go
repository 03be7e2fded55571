package sap

import (
	"fmt"
	"strings"
	"time"

	"github.com/machina-go/machina/internal/sim/simexpr"
)

// expr is a parsed $filter.
type expr interface {
	eval(r record) bool
	props(fn func(string))
}

type andExpr struct{ l, r expr }
type orExpr struct{ l, r expr }

// cmpExpr is "Prop eq 'v'" or "Prop ne 'v'".
type cmpExpr struct {
	prop string
	ne   bool
	val  string
	null bool
}

// containsExpr is substringof('v', Prop) (v2) or contains(Prop,'v') (v4).
type containsExpr struct {
	prop, val string
}

func (e andExpr) eval(r record) bool         { return e.l.eval(r) && e.r.eval(r) }
func (e orExpr) eval(r record) bool          { return e.l.eval(r) || e.r.eval(r) }
func (e andExpr) props(fn func(string))      { e.l.props(fn); e.r.props(fn) }
func (e orExpr) props(fn func(string))       { e.l.props(fn); e.r.props(fn) }
func (e cmpExpr) props(fn func(string))      { fn(e.prop) }
func (e containsExpr) props(fn func(string)) { fn(e.prop) }

func (e cmpExpr) eval(r record) bool {
	v, ok := r[e.prop]
	var match bool
	if e.null {
		match = !ok || v == nil
	} else {
		match = ok && scalarString(v) == e.val
	}
	return match != e.ne
}

func (e containsExpr) eval(r record) bool {
	return strings.Contains(scalarString(r[e.prop]), e.val)
}

// scalarString renders a property value for comparison.
func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format("2006-01-02")
	}
	return fmt.Sprint(v)
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c < 0x20 || c == 0x7f:
			return nil, fmt.Errorf("control character at offset %d", i)
		case c == '(':
			out = append(out, token{tLParen, "("})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")"})
			i++
		case c == ',':
			out = append(out, token{tComma, ","})
			i++
		case c == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] < 0x20 || s[i] == 0x7f {
					return nil, fmt.Errorf("control character in a string literal at offset %d", i)
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated string literal")
			}
			out = append(out, token{tString, b.String()})
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, token{tIdent, s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
	}
	return append(out, token{kind: tEOF}), nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// parseFilter parses the $filter subset: Prop eq|ne 'string'|number|null,
// and, or, parentheses, substringof('v',Prop) and contains(Prop,'v')
// (optionally followed by "eq true").
func parseFilter(s string) (expr, error) {
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
		return nil, fmt.Errorf("unexpected %q", t.text)
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
	if t := p.peek(); t.kind == tIdent && t.text == w {
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

func (p *parser) expect(k tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		if t.kind == tEOF {
			return t, fmt.Errorf("expected %s at end of filter", what)
		}
		return t, fmt.Errorf("expected %s, got %q", what, t.text)
	}
	return t, nil
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		p.depth++
		if p.depth > 32 {
			return nil, fmt.Errorf("parentheses nested too deeply")
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, ")"); err != nil {
			return nil, err
		}
		p.depth--
		return e, nil
	case tIdent:
	default:
		return nil, fmt.Errorf("expected a property name, got %q", t.text)
	}
	if p.peek().kind == tLParen {
		return p.function(t.text)
	}
	op := p.next()
	if op.kind != tIdent || (op.text != "eq" && op.text != "ne") {
		return nil, fmt.Errorf("unsupported operator %q after %s (eq and ne are supported)", op.text, t.text)
	}
	v := p.next()
	e := cmpExpr{prop: t.text, ne: op.text == "ne"}
	switch {
	case v.kind == tString || v.kind == tNumber:
		e.val = v.text
	case v.kind == tIdent && v.text == "null":
		e.null = true
	default:
		return nil, fmt.Errorf("expected a literal after %s %s", t.text, op.text)
	}
	return e, nil
}

func (p *parser) function(name string) (expr, error) {
	p.next() // (
	var e containsExpr
	switch name {
	case "substringof":
		v, err := p.expect(tString, "a string literal")
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tComma, ","); err != nil {
			return nil, err
		}
		prop, err := p.expect(tIdent, "a property name")
		if err != nil {
			return nil, err
		}
		e = containsExpr{prop: prop.text, val: v.text}
	case "contains":
		prop, err := p.expect(tIdent, "a property name")
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tComma, ","); err != nil {
			return nil, err
		}
		v, err := p.expect(tString, "a string literal")
		if err != nil {
			return nil, err
		}
		e = containsExpr{prop: prop.text, val: v.text}
	default:
		return nil, fmt.Errorf("unsupported function %s", name)
	}
	if _, err := p.expect(tRParen, ")"); err != nil {
		return nil, err
	}
	if p.keyword("eq") {
		if !p.keyword("true") {
			return nil, fmt.Errorf("%s(...) can only be compared with true", name)
		}
	}
	return e, nil
}
