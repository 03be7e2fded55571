package sap

import (
	"fmt"
	"strings"
	"time"

	"github.com/machina-go/machina/internal/sim/simexpr"
)

// expr is a parsed $filter.
type expr = simexpr.Expr[record]

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

// Fields implements simexpr.Expr.
func (e cmpExpr) Fields(fn func(string)) { fn(e.prop) }

// Fields implements simexpr.Expr.
func (e containsExpr) Fields(fn func(string)) { fn(e.prop) }

// Eval implements simexpr.Expr.
func (e cmpExpr) Eval(r record) bool {
	v, ok := r[e.prop]
	var match bool
	if e.null {
		match = !ok || v == nil
	} else {
		match = ok && scalarString(v) == e.val
	}
	return match != e.ne
}

// Eval implements simexpr.Expr.
func (e containsExpr) Eval(r record) bool {
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

// filterSyntax is the lexical syntax of $filter: single-quoted strings,
// case-sensitive keywords.
var filterSyntax = simexpr.Lexer{Symbols: []string{"(", ")", ","}, Quote: '\'', NumberStart: "-"}

type parser struct {
	*simexpr.Cursor
	depth int
}

// parseFilter parses the $filter subset: Prop eq|ne 'string'|number|null,
// and, or, parentheses, substringof('v',Prop) and contains(Prop,'v')
// (optionally followed by "eq true").
func parseFilter(s string) (expr, error) {
	c, err := filterSyntax.Lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{Cursor: c}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.Peek(); t.Kind != simexpr.EOF {
		return nil, fmt.Errorf("unexpected %q", t.Text)
	}
	return e, nil
}

// or parses the whole boolean expression (and binds tighter than or).
func (p *parser) or() (expr, error) { return simexpr.Logic(p.primary, p.Keyword) }

// expect consumes the next token, which must be of kind k (and for a
// symbol, what itself).
func (p *parser) expect(k simexpr.Kind, what string) (simexpr.Token, error) {
	t := p.Next()
	if t.Kind != k || k == simexpr.Symbol && t.Text != what {
		if t.Kind == simexpr.EOF {
			return t, fmt.Errorf("expected %s at end of filter", what)
		}
		return t, fmt.Errorf("expected %s, got %q", what, t.Text)
	}
	return t, nil
}

func (p *parser) primary() (expr, error) {
	t := p.Next()
	switch {
	case t.Is("("):
		p.depth++
		if p.depth > 32 {
			return nil, fmt.Errorf("parentheses nested too deeply")
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(simexpr.Symbol, ")"); err != nil {
			return nil, err
		}
		p.depth--
		return e, nil
	case t.Kind == simexpr.Ident:
	default:
		return nil, fmt.Errorf("expected a property name, got %q", t.Text)
	}
	if p.Peek().Is("(") {
		return p.function(t.Text)
	}
	op := p.Next()
	if op.Kind != simexpr.Ident || (op.Text != "eq" && op.Text != "ne") {
		return nil, fmt.Errorf("unsupported operator %q after %s (eq and ne are supported)", op.Text, t.Text)
	}
	v := p.Next()
	e := cmpExpr{prop: t.Text, ne: op.Text == "ne"}
	switch {
	case v.Kind == simexpr.String || v.Kind == simexpr.Number:
		e.val = v.Text
	case v.Kind == simexpr.Ident && v.Text == "null":
		e.null = true
	default:
		return nil, fmt.Errorf("expected a literal after %s %s", t.Text, op.Text)
	}
	return e, nil
}

func (p *parser) function(name string) (expr, error) {
	p.Next() // (
	var e containsExpr
	switch name {
	case "substringof": // substringof('v', Prop)
		args, err := p.args(simexpr.String, simexpr.Ident)
		if err != nil {
			return nil, err
		}
		e = containsExpr{prop: args[1], val: args[0]}
	case "contains": // contains(Prop, 'v')
		args, err := p.args(simexpr.Ident, simexpr.String)
		if err != nil {
			return nil, err
		}
		e = containsExpr{prop: args[0], val: args[1]}
	default:
		return nil, fmt.Errorf("unsupported function %s", name)
	}
	if p.Keyword("eq") {
		if !p.Keyword("true") {
			return nil, fmt.Errorf("%s(...) can only be compared with true", name)
		}
	}
	return e, nil
}

// args reads a function's comma-separated arguments of the given kinds and
// its closing parenthesis, and returns the arguments' texts.
func (p *parser) args(kinds ...simexpr.Kind) ([]string, error) {
	what := map[simexpr.Kind]string{simexpr.String: "a string literal", simexpr.Ident: "a property name"}
	var out []string
	for i, k := range kinds {
		if i > 0 {
			if _, err := p.expect(simexpr.Symbol, ","); err != nil {
				return nil, err
			}
		}
		t, err := p.expect(k, what[k])
		if err != nil {
			return nil, err
		}
		out = append(out, t.Text)
	}
	_, err := p.expect(simexpr.Symbol, ")")
	return out, err
}
