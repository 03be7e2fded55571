package simexpr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/sim/simexpr"
)

// parse reads space-separated words: operands are letters, "and"/"or"
// keywords; nodes render as (l&r) and (l|r).
func parse(s string) (string, error) {
	toks := strings.Fields(s)
	i := 0
	keyword := func(w string) bool {
		if i < len(toks) && toks[i] == w {
			i++
			return true
		}
		return false
	}
	operand := func() (string, error) {
		if i >= len(toks) || toks[i] == "and" || toks[i] == "or" {
			return "", errors.New("operand expected")
		}
		i++
		return toks[i-1], nil
	}
	return simexpr.Boolean(operand, keyword,
		func(l, r string) string { return "(" + l + "&" + r + ")" },
		func(l, r string) string { return "(" + l + "|" + r + ")" })
}

// Precedence and associativity as in SQL's and OData's boolean operators.
func TestBoolean(t *testing.T) {
	for in, want := range map[string]string{
		"a":                  "a",
		"a and b or c":       "((a&b)|c)",
		"a or b and c":       "(a|(b&c))",
		"a or b or c":        "((a|b)|c)",
		"a and b and c or d": "(((a&b)&c)|d)",
	} {
		if got, err := parse(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := parse("a and or b"); err == nil {
		t.Error("a missing operand was accepted")
	}
}
