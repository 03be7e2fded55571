// Package simexpr is what the simulators' query languages share: the
// boolean skeleton of Maximo's oslc.where and OData's $filter, where "and"
// binds tighter than "or" and both associate to the left. Each simulator
// keeps its own lexer, operands and expression types.
package simexpr

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
