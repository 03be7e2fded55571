package maximo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/machina-go/machina/internal/sim/simexpr"
)

// expr is a parsed oslc.where clause.
type expr = simexpr.Expr[record]

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

// Fields implements simexpr.Expr.
func (e cmpExpr) Fields(fn func(string)) { fn(e.attr) }

// Eval implements simexpr.Expr.
func (e cmpExpr) Eval(r record) bool {
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

// whereSyntax is the lexical syntax of oslc.where: double-quoted strings,
// dotted attribute names, case-insensitive keywords.
var whereSyntax = simexpr.Lexer{
	Symbols: []string{"(", ")", "[", "]", ",", "=", "!="},
	Quote:   '"', NumberStart: "-.", IdentExtra: ".", FoldKeywords: true,
}

type parser struct{ *simexpr.Cursor }

// parseWhere parses an oslc.where clause of the supported subset.
func parseWhere(s string) (expr, error) {
	c, err := whereSyntax.Lex(s)
	if err != nil {
		return nil, err
	}
	p := parser{c}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.Peek(); t.Kind != simexpr.EOF {
		return nil, fmt.Errorf("unexpected %q at offset %d", t.Text, t.Pos)
	}
	return e, nil
}

// or parses the whole boolean expression (and binds tighter than or).
func (p parser) or() (expr, error) { return simexpr.Logic(p.primary, p.Keyword) }

func (p parser) primary() (expr, error) {
	t := p.Next()
	switch {
	case t.Is("("):
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.Next(); !c.Is(")") {
			return nil, fmt.Errorf("expected ) at offset %d", c.Pos)
		}
		return e, nil
	case t.Kind == simexpr.Ident:
		attr := strings.ToLower(t.Text)
		op := p.Next()
		switch {
		case op.Is("=") || op.Is("!="):
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			return cmpExpr{attr: attr, negate: op.Is("!="), values: []value{v}}, nil
		case op.Kind == simexpr.Ident && strings.EqualFold(op.Text, "in"):
			if b := p.Next(); !b.Is("[") {
				return nil, fmt.Errorf("expected [ after in at offset %d", b.Pos)
			}
			var vals []value
			for {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				vals = append(vals, v)
				n := p.Next()
				if n.Is("]") {
					break
				}
				if !n.Is(",") {
					return nil, fmt.Errorf("expected , or ] at offset %d", n.Pos)
				}
			}
			return cmpExpr{attr: attr, values: vals}, nil
		}
		return nil, fmt.Errorf("expected =, != or in after %q at offset %d", t.Text, op.Pos)
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", t.Text, t.Pos)
}

func (p parser) value() (value, error) {
	t := p.Next()
	switch t.Kind {
	case simexpr.String:
		v := value{s: t.Text, quoted: true}
		if strings.HasPrefix(t.Text, "%") || strings.HasSuffix(t.Text, "%") {
			v.like, v.pattern = true, t.Text
		}
		return v, nil
	case simexpr.Number:
		f, err := strconv.ParseFloat(t.Text, 64)
		if err != nil {
			return value{}, fmt.Errorf("bad number %q at offset %d", t.Text, t.Pos)
		}
		return value{s: strconv.FormatFloat(f, 'f', -1, 64)}, nil
	}
	return value{}, fmt.Errorf("expected a value at offset %d", t.Pos)
}
