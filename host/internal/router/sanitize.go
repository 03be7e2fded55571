package router

import (
	"regexp"
	"strings"

	"github.com/machina-go/machina/host/internal/sanitize"
)

var (
	urlRE  = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+`)
	pathRE = regexp.MustCompile(`(?:\b[A-Za-z]:)?(?:[\\/][^\s\\/"'<>:;,()\[\]{}]+){2,}[\\/]?`)
)

// maxMessage bounds a client-visible error message.
const maxMessage = 300

// Sanitize makes an upstream or plugin message safe for a client: user-home
// and UNC paths are reduced by sanitize.SafeText, URLs become <url>, every
// other absolute path (two or more components) becomes its base name,
// control characters are dropped and the text is cut at 300 bytes.
func Sanitize(s string) string {
	s = sanitize.SafeText(s)
	s = urlRE.ReplaceAllString(s, "<url>")
	s = pathRE.ReplaceAllStringFunc(s, func(m string) string {
		t := strings.TrimRight(m, `\/`)
		if i := strings.LastIndexAny(t, `\/`); i >= 0 {
			t = t[i+1:]
		}
		if t == "" {
			return sanitize.Placeholder
		}
		return t
	})
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != ' ' {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.TrimSpace(s)
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
