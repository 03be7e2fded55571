// Package simexpr is what the simulators' query languages share: the
// lexer of Maximo's oslc.where and OData's $filter (blanks, symbols, quoted
// strings with a doubled quote for the quote itself, numbers, identifiers,
// no control characters), a token cursor, and the boolean skeleton where
// "and" binds tighter than "or" and both associate to the left. Each
// simulator keeps its own operands (comparisons, functions) and their
// semantics.
package simexpr

// Expr is a parsed query over records of type R.
type Expr[R any] interface {
	// Eval reports whether rec matches.
	Eval(rec R) bool
	// Fields calls fn with each field (attribute, property) the query names.
	Fields(fn func(string))
}

type andExpr[R any] struct{ l, r Expr[R] }
type orExpr[R any] struct{ l, r Expr[R] }

func (e andExpr[R]) Eval(rec R) bool { return e.l.Eval(rec) && e.r.Eval(rec) }
func (e orExpr[R]) Eval(rec R) bool  { return e.l.Eval(rec) || e.r.Eval(rec) }
func (e andExpr[R]) Fields(fn func(string)) {
	e.l.Fields(fn)
	e.r.Fields(fn)
}
func (e orExpr[R]) Fields(fn func(string)) {
	e.l.Fields(fn)
	e.r.Fields(fn)
}

// Logic is Boolean building Expr nodes: operands joined by and and or.
func Logic[R any](operand func() (Expr[R], error), keyword func(string) bool) (Expr[R], error) {
	return Boolean(operand, keyword,
		func(l, r Expr[R]) Expr[R] { return andExpr[R]{l, r} },
		func(l, r Expr[R]) Expr[R] { return orExpr[R]{l, r} })
}

// Boolean parses `term ("or" term)*`, term being `operand ("and"
// operand)*`. keyword reports whether the next token is the given keyword,
// consuming it if so; and and or build the nodes.
func Boolean[E any](operand func() (E, error), keyword func(string) bool, and, or func(l, r E) E) (E, error) {
	term := func() (E, error) { return chain(operand, keyword, "and", and) }
	return chain(term, keyword, "or", or)
}

func chain[E any](operand func() (E, error), keyword func(string) bool, op string, join func(l, r E) E) (E, error) {
	l, err := operand()
	if err != nil {
		return l, err
	}
	for keyword(op) {
		r, err := operand()
		if err != nil {
			return l, err
		}
		l = join(l, r)
	}
	return l, nil
}
