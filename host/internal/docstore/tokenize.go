package docstore

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// joiners may sit inside a technical token when both neighbours are letters
// or digits: 6310-2RS, WO-2026-0087, 3.2, M12x1.5, 400/230, a_b.
const joiners = "-./_"

// isWordRune reports whether r belongs to a token.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// rawTokens splits text into lower-cased technical tokens. Joiner
// characters are kept when they connect letters or digits, so part numbers
// and asset tags survive as one token; a trailing full stop does not.
func rawTokens(text string, emit func(string)) {
	buf := make([]byte, 0, 64)
	flush := func() {
		if len(buf) > 0 {
			emit(string(buf))
			buf = buf[:0]
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		// ASCII fast path.
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				buf = append(buf, c)
			case c >= 'A' && c <= 'Z':
				buf = append(buf, c+'a'-'A')
			case len(buf) > 0 && strings.IndexByte(joiners, c) >= 0:
				next, _ := utf8.DecodeRuneInString(text[i+1:])
				if i+1 < len(text) && isWordRune(next) {
					buf = append(buf, c)
				} else {
					flush()
				}
			default:
				flush()
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		} else {
			flush()
		}
		i += n
	}
	flush()
}

// stopwords are dropped from both lexical and dense features. Short
// function words only: domain words such as "check" stay.
var stopwords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(`a an and are as at be been but by can do does for from
		has have how i if in into is it its of on or our shall should so such than that the
		their them then there these they this to was were what when where which while who why
		will with would you your we my me not no all any each must may also only per via
		il lo la le gli i un una di da dal dallo dalla del dello della dei degli delle al allo
		alla ai agli nel nella e è per con su che come quando non`) {
		m[w] = struct{}{}
	}
	return m
}()

// isStopword reports whether tok is a stop word.
func isStopword(tok string) bool {
	_, ok := stopwords[tok]
	return ok
}

// hasDigit reports whether s contains a decimal digit.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// stem applies a deliberately light English plural folding to alphabetic
// tokens (bearings → bearing, batteries → battery). Technical tokens with
// digits or joiners are never altered.
func stem(tok string) string {
	if len(tok) < 4 || hasDigit(tok) || strings.ContainsAny(tok, joiners) {
		return tok
	}
	switch {
	case strings.HasSuffix(tok, "ies") && len(tok) > 4:
		return tok[:len(tok)-3] + "y"
	case strings.HasSuffix(tok, "sses"):
		return tok[:len(tok)-2]
	case strings.HasSuffix(tok, "ss"), strings.HasSuffix(tok, "us"), strings.HasSuffix(tok, "is"):
		return tok
	case strings.HasSuffix(tok, "s"):
		return tok[:len(tok)-1]
	}
	return tok
}

// Tokenize returns the technical tokens of text as used by the lexical
// index: lower-cased, stop words removed, plurals folded, and compound
// codes kept whole ("6310-2rs") and also split into their parts ("6310",
// "2rs") so a query for either form matches.
func Tokenize(text string) []string { return tokenize(text, true) }

// tokenizeQuery tokenizes a query: compound codes stay whole only. The
// index already holds their parts, so splitting the query as well would
// count a code twice and let a bare number ("101") outvote the words.
func tokenizeQuery(text string) []string { return tokenize(text, false) }

// tokenize implements Tokenize; parts controls compound splitting.
func tokenize(text string, parts bool) []string {
	out := make([]string, 0, len(text)/6)
	rawTokens(text, func(t string) {
		// Single characters ("d'olio" → d, list markers, units) are noise.
		if isStopword(t) || utf8.RuneCountInString(t) < 2 {
			return
		}
		out = append(out, stem(t))
		if parts && strings.ContainsAny(t, joiners) {
			for _, p := range strings.FieldsFunc(t, func(r rune) bool { return strings.ContainsRune(joiners, r) }) {
				if utf8.RuneCountInString(p) > 1 && !isStopword(p) {
					out = append(out, stem(p))
				}
			}
		}
	})
	return out
}
