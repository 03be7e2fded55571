package simexpr_test

import (
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/sim/simexpr"
)

// tokens renders every token of s as kind:text.
func tokens(t *testing.T, l simexpr.Lexer, s string) string {
	t.Helper()
	c, err := l.Lex(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	var out []string
	for tok := c.Next(); tok.Kind != simexpr.EOF; tok = c.Next() {
		out = append(out, []string{"eof", "id", "str", "num", "sym"}[tok.Kind]+":"+tok.Text)
	}
	return strings.Join(out, " ")
}

// OData's ABNF (OData v4 Part 2, §5.1.1.6.1 and the ABNF's SQUOTE-in-string)
// writes a quote inside a string as two; oslc.where does the same with
// double quotes.
func TestLex(t *testing.T) {
	odata := simexpr.Lexer{Symbols: []string{"(", ")", ","}, Quote: '\'', NumberStart: "-"}
	oslc := simexpr.Lexer{Symbols: []string{"(", ")", "[", "]", ",", "=", "!="}, Quote: '"', NumberStart: "-.", IdentExtra: ".", FoldKeywords: true}
	for _, c := range []struct {
		l        simexpr.Lexer
		in, want string
	}{
		{odata, `Name eq 'O''Brien'`, "id:Name id:eq str:O'Brien"},
		{odata, "contains(Text,'a b')\tor X ne -1.5", "id:contains sym:( id:Text sym:, str:a b sym:) id:or id:X id:ne num:-1.5"},
		{oslc, `wo.status!="A""B" and x in [1,.5]`, "id:wo.status sym:!= str:A\"B id:and id:x id:in sym:[ num:1 sym:, num:.5 sym:]"},
	} {
		if got := tokens(t, c.l, c.in); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"'open", "'a\x01'", "A\neq", "A ! B"} {
		if _, err := odata.Lex(bad); err == nil {
			t.Errorf("%q lexed", bad)
		}
	}
	folded, _ := oslc.Lex("AND")
	exact, _ := odata.Lex("AND")
	if !folded.Keyword("and") || exact.Keyword("and") {
		t.Error("AND is and only under FoldKeywords")
	}
}
