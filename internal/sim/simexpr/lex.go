package simexpr

import (
	"fmt"
	"strings"
)

// Kind is a token's kind.
type Kind int

// Token kinds.
const (
	EOF    Kind = iota
	Ident       // a letter or _, then letters, digits, _ and Lexer.IdentExtra
	String      // a quoted string; Text is its value, quotes removed
	Number      // Lexer.NumberStart or a digit, then digits and dots
	Symbol      // one of Lexer.Symbols
)

// Token is one lexeme; Pos is its byte offset in the query.
type Token struct {
	Kind Kind
	Text string
	Pos  int
}

// Is reports whether t is the symbol sym.
func (t Token) Is(sym string) bool { return t.Kind == Symbol && t.Text == sym }

// Lexer describes a query language's lexemes.
type Lexer struct {
	// Symbols are the operators and punctuation, tried in order (put "!="
	// before "=").
	Symbols []string
	// Quote delimits strings; doubled inside one it stands for itself.
	Quote byte
	// NumberStart lists the bytes besides digits that may start a number.
	NumberStart string
	// IdentExtra lists the bytes besides letters, digits and _ allowed
	// after an identifier's first byte.
	IdentExtra string
	// FoldKeywords makes Cursor.Keyword case-insensitive.
	FoldKeywords bool
}

// Lex splits s into tokens, ending with an EOF token, and returns a cursor
// over them. Blanks (space, tab) separate tokens; any other control
// character is an error.
func (l Lexer) Lex(s string) (*Cursor, error) {
	var out []Token
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		t, next, err := l.token(s, i)
		if err != nil {
			return nil, err
		}
		out, i = append(out, t), next
	}
	return &Cursor{toks: append(out, Token{EOF, "", len(s)}), fold: l.FoldKeywords}, nil
}

// token reads the token starting at s[i]; next is the offset after it.
func (l Lexer) token(s string, i int) (t Token, next int, err error) {
	c := s[i]
	switch {
	case isControl(c):
		return t, 0, fmt.Errorf("control character at offset %d", i)
	case c == l.Quote:
		text, next, err := l.quoted(s, i)
		return Token{String, text, i}, next, err
	case isDigit(c) || strings.IndexByte(l.NumberStart, c) >= 0:
		next = scan(s, i+1, func(c byte) bool { return isDigit(c) || c == '.' })
		return Token{Number, s[i:next], i}, next, nil
	case isLetter(c):
		next = scan(s, i+1, func(c byte) bool { return isLetter(c) || isDigit(c) || strings.IndexByte(l.IdentExtra, c) >= 0 })
		return Token{Ident, s[i:next], i}, next, nil
	}
	for _, sym := range l.Symbols {
		if strings.HasPrefix(s[i:], sym) {
			return Token{Symbol, sym, i}, i + len(sym), nil
		}
	}
	return t, 0, fmt.Errorf("unexpected character %q at offset %d", c, i)
}

// quoted reads the string starting with the quote at s[i]; next is the
// offset after its closing quote.
func (l Lexer) quoted(s string, i int) (text string, next int, err error) {
	start := i
	var b strings.Builder
	for i++; i < len(s); i++ {
		switch {
		case isControl(s[i]):
			return "", 0, fmt.Errorf("control character in a string at offset %d", i)
		case s[i] != l.Quote:
			b.WriteByte(s[i])
		case i+1 < len(s) && s[i+1] == l.Quote: // a doubled quote is a literal one
			b.WriteByte(l.Quote)
			i++
		default:
			return b.String(), i + 1, nil
		}
	}
	return "", 0, fmt.Errorf("unterminated string starting at offset %d", start)
}

// scan returns the offset of the first byte at or after i that ok refuses.
func scan(s string, i int, ok func(byte) bool) int {
	for i < len(s) && ok(s[i]) {
		i++
	}
	return i
}

func isControl(c byte) bool { return c < 0x20 || c == 0x7f }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }
func isLetter(c byte) bool  { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Cursor is a parser's position in a lexed query.
type Cursor struct {
	toks []Token
	i    int
	fold bool
}

// Peek returns the next token without consuming it.
func (c *Cursor) Peek() Token { return c.toks[c.i] }

// Next consumes and returns the next token (EOF stays).
func (c *Cursor) Next() Token {
	t := c.toks[c.i]
	if t.Kind != EOF {
		c.i++
	}
	return t
}

// Keyword reports whether the next token is the identifier w (ignoring
// case under Lexer.FoldKeywords), consuming it if so.
func (c *Cursor) Keyword(w string) bool {
	t := c.Peek()
	if t.Kind == Ident && (t.Text == w || c.fold && strings.EqualFold(t.Text, w)) {
		c.i++
		return true
	}
	return false
}
