package sanitize

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholder replaces a source or path that cannot be reduced to a safe
// base name.
const Placeholder = "<document>"

// remotePrefixes are server-side identifiers that pass SafeSource
// unchanged. The comparison is case-sensitive, as in the reference.
var remotePrefixes = [...]string{"http://", "https://", "s3://", "gs://", "ftp://", "ftps://"}

// SafeSource returns a representation of a document source that does not
// reveal the host's directory layout. The cases are applied in order:
//
//  1. "" is returned as is.
//  2. http://, https://, s3://, gs://, ftp:// and ftps:// URLs (prefix is
//     case-sensitive) are returned unchanged.
//  3. Any other "scheme://" prefix (file, scp, smb, jar, upper-case or
//     unknown schemes) is dropped and the rest is treated as a path.
//  4. A string containing any of " ' { } [ ] ( ) becomes "<document>"
//     (JSON, repr() and bracketed shapes would leak adjacent metadata).
//  5. A string with no '/', no '\' and no drive letter is an opaque id or a
//     bare file name and is returned unchanged.
//  6. Otherwise the text after the last '/' or '\' is returned; an empty
//     base name (trailing separator) becomes "<document>".
//     Unlike the reference, credentials in a remote URL's authority
//     ("https://user:pass@host/…") are removed.
//  7. A drive-relative path without separators ("C:file.md") loses its
//     two-character prefix; if nothing is left, "<document>".
func SafeSource(source string) string {
	if source == "" {
		return ""
	}
	for _, p := range remotePrefixes {
		if strings.HasPrefix(source, p) {
			return stripUserinfo(source, len(p))
		}
	}
	s := source
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if strings.ContainsAny(s, `"'{}[]()`) {
		return Placeholder
	}
	hasSep := strings.ContainsAny(s, `/\`)
	drive := hasDriveLetter(s)
	if !hasSep && !drive {
		if s == "" {
			// Only a scheme was given ("file://"): nothing citable is left.
			return Placeholder
		}
		return s
	}
	if hasSep {
		base := s[strings.LastIndexAny(s, `/\`)+1:]
		if base == "" {
			return Placeholder
		}
		return base
	}
	rest := s[2:]
	if rest == "" {
		return Placeholder
	}
	return rest
}

// hasDriveLetter reports whether s starts with a letter followed by ':'.
func hasDriveLetter(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && unicode.IsLetter(r) && len(s) > n && s[n] == ':'
}

// pathChars is the class of characters that may continue a path inside
// free text: anything but whitespace, quotes, brackets, pipes, angle
// brackets and backticks.
const pathChars = "[^\\s'\"`<>|()\\[\\]{}]"

// textPathRE matches the identity- or infrastructure-revealing absolute
// paths SafeText scrubs. Group 1 is the part after the revealing prefix
// (share or user name); SafeText cites only its base name.
var textPathRE = regexp.MustCompile(`(?i)` +
	// UNC: \\host\share\rest
	`\\\\[^\\/\s'"` + "`" + `<>|]+[\\/][^\\/\s'"` + "`" + `<>|]+((?:[\\/]` + pathChars + `*)?)` +
	// <drive>:\Users\<user>\rest (either separator)
	`|[a-z]:[\\/]users[\\/][^\\/\s'"` + "`" + `<>|]+((?:[\\/]` + pathChars + `*)?)` +
	// /home/<user>/rest and /Users/<user>/rest
	`|/(?:home|users)/[^\\/\s'"` + "`" + `<>|]+((?:[\\/]` + pathChars + `*)?)`)

// trailingPunct is sentence punctuation kept outside a scrubbed path.
const trailingPunct = ".,;:!?"

// SafeText replaces every UNC path, Windows user-profile path
// (<drive>:\Users\<user>\…) and POSIX home path (/home/<user>/…,
// /Users/<user>/…) in text with its base name. Trailing sentence
// punctuation stays outside the replacement; a path with no component after
// the share or user name becomes "<document>". System paths such as
// /etc/fstab, /usr/bin/python3 or C:\Program Files\… are left alone.
func SafeText(text string) string {
	if !strings.ContainsAny(text, `/\`) {
		return text
	}
	matches := textPathRE.FindAllStringSubmatchIndex(text, -1)
	if matches == nil {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, m := range matches {
		start, end := m[0], m[1]
		if start > 0 && !boundaryBefore(text, start) {
			continue
		}
		// The remainder group is whichever alternative matched.
		rs, re := -1, -1
		for g := 1; g*2+1 < len(m); g++ {
			if m[g*2] >= 0 {
				rs, re = m[g*2], m[g*2+1]
				break
			}
		}
		// Keep trailing sentence punctuation outside the path.
		cut := end
		for cut > start && strings.IndexByte(trailingPunct, text[cut-1]) >= 0 {
			cut--
		}
		if re > cut {
			re = cut
		}
		if rs > re {
			rs = re
		}
		rest := ""
		if rs >= 0 {
			rest = text[rs:re]
		}
		base := rest
		if i := strings.LastIndexAny(rest, `/\`); i >= 0 {
			base = rest[i+1:]
		}
		if base == "" {
			base = Placeholder
		}
		b.WriteString(text[last:start])
		b.WriteString(base)
		b.WriteString(text[cut:end])
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}

// boundaryBefore reports whether a path match may start at i: it must not
// continue a word, a URL or another path (so "https://h/home/u/x" and
// "/srv/home/u/x" are not treated as home directories).
func boundaryBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return false
	}
	switch r {
	case '_', '-', '.', '/', '\\', ':', '~', '$', '%', '@':
		return false
	}
	return true
}

// stripUserinfo removes "user[:password]@" from the authority of a URL whose
// scheme prefix is n bytes long.
func stripUserinfo(u string, n int) string {
	rest := u[n:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return u[:n] + rest[at+1:]
	}
	return u
}
