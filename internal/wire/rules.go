package wire

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// RequestRule is one entry of an origin's reads or writes in the manifest
// (and of a grant's narrowing): the HTTP methods and the path pattern of the
// requests a plugin makes. Its text form is "METHOD[,METHOD…] /path", e.g.
// "GET /bot{{auth}}/getUpdates" or "GET,HEAD /maximo/oslc/os/*".
//
// Path patterns match the URL path as the plugin wrote it, segment by
// segment (the path is split at its literal slashes, then each segment is
// percent-decoded, so an escaped %2F stays inside its segment; placeholders
// such as {{auth}} are left in place), never the query string:
//   - "*" inside a segment matches any run of characters (a segment
//     pattern never matches an empty segment unless it is empty);
//   - a segment that is exactly "**" matches any number of segments, none
//     included;
//   - everything else matches itself, case-sensitively.
//
// The method "*" matches any method the host lets through at all.
type RequestRule struct {
	Methods []string `json:"methods"`
	Path    string   `json:"path"`
}

// String renders the rule in its text form.
func (r RequestRule) String() string { return strings.Join(r.Methods, ",") + " " + r.Path }

// ParseRequestRule parses "METHOD[,METHOD…] /path".
func ParseRequestRule(s string) (RequestRule, error) {
	t := strings.TrimSpace(s)
	i := strings.LastIndexAny(t, " \t")
	if i < 0 {
		return RequestRule{}, fmt.Errorf("request %q: want \"METHOD /path\", e.g. \"GET /api/items/*\"", s)
	}
	ms, p := strings.TrimSpace(t[:i]), t[i+1:]
	if ms == "" || p == "" {
		return RequestRule{}, fmt.Errorf("request %q: want \"METHOD /path\", e.g. \"GET /api/items/*\"", s)
	}
	var r RequestRule
	for _, m := range strings.Split(ms, ",") {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m != "*" && !validMethod(m) {
			return RequestRule{}, fmt.Errorf("request %q: %q is not an HTTP method", s, m)
		}
		if !slices.Contains(r.Methods, m) {
			r.Methods = append(r.Methods, m)
		}
	}
	if err := checkPattern(p); err != nil {
		return RequestRule{}, fmt.Errorf("request %q: %w", s, err)
	}
	r.Path = p
	return r, nil
}

// ParseRequestRules parses a list of rules.
func ParseRequestRules(ss []string) ([]RequestRule, error) {
	out := make([]RequestRule, 0, len(ss))
	for _, s := range ss {
		r, err := ParseRequestRule(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Match reports whether a request (upper-case method, parsed path) falls
// under the rule.
func (r RequestRule) Match(method string, path RequestPath) bool {
	if !slices.Contains(r.Methods, method) && !slices.Contains(r.Methods, "*") {
		return false
	}
	return MatchPath(r.Path, path)
}

// AnyMethod reports whether the rule's methods include "*".
func (r RequestRule) AnyMethod() bool { return slices.Contains(r.Methods, "*") }

// MatchAny reports whether any of rules matches the request.
func MatchAny(rules []RequestRule, method string, path RequestPath) bool {
	for _, r := range rules {
		if r.Match(method, path) {
			return true
		}
	}
	return false
}

// RequestPath is a request's URL path as its decoded segments (the path
// "/a/b%2Fc" is ["a", "b/c"]; "/" is [""]).
type RequestPath []string

// String renders the decoded segments joined by "/".
func (p RequestPath) String() string { return "/" + strings.Join(p, "/") }

// ParseRequestPath splits an escaped URL path (url.URL.EscapedPath) at its
// literal slashes and percent-decodes each segment. It refuses a path an
// upstream could resolve differently from the way rules read it: a "." or
// ".." segment (also with ;parameters, which some servers strip, and also
// when it only appears once an escaped slash or backslash inside a segment
// is decoded, as servers that decode before routing do), a backslash, a
// control character.
func ParseRequestPath(escaped string) (RequestPath, error) {
	if escaped == "" {
		escaped = "/"
	}
	if !strings.HasPrefix(escaped, "/") {
		return nil, errors.New("the path must start with /")
	}
	raw := strings.Split(escaped[1:], "/")
	out := make(RequestPath, len(raw))
	for i, r := range raw {
		seg, err := url.PathUnescape(r)
		if err != nil {
			return nil, errors.New("the path has an invalid percent-encoding")
		}
		if err := checkSegment(seg); err != nil {
			return nil, err
		}
		out[i] = seg
	}
	return out, nil
}

// MustParseRequestPath is ParseRequestPath for literals in tests; it
// panics on an invalid path.
func MustParseRequestPath(escaped string) RequestPath {
	p, err := ParseRequestPath(escaped)
	if err != nil {
		panic(err)
	}
	return p
}

func checkSegment(seg string) error {
	for i := 0; i < len(seg); i++ {
		if c := seg[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return errors.New("the path contains a backslash or a control character")
		}
	}
	for _, part := range strings.Split(seg, "/") {
		if isDotSegment(part) {
			return errors.New(`the path contains a "." or ".." segment`)
		}
	}
	return nil
}

// MatchPath matches a parsed path against a pattern (see RequestRule).
func MatchPath(pattern string, path RequestPath) bool {
	if !strings.HasPrefix(pattern, "/") {
		return false
	}
	if len(path) == 0 {
		path = RequestPath{""}
	}
	return matchSegments(strings.Split(pattern[1:], "/"), path)
}

func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 || !matchGlob(pat[0], segs[0]) {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// matchGlob matches one segment against a pattern where '*' matches any run
// of characters.
func matchGlob(pat, s string) bool {
	if s == "" {
		return pat == "" // "*" never matches an empty segment
	}
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(pat) && pat[i] == '*':
			star, mark = i, j
			i++
		case i < len(pat) && pat[i] == s[j]:
			i++
			j++
		case star >= 0:
			i = star + 1
			mark++
			j = mark
		default:
			return false
		}
	}
	for i < len(pat) && pat[i] == '*' {
		i++
	}
	return i == len(pat)
}

// checkPattern validates a path pattern.
func checkPattern(p string) error {
	if !strings.HasPrefix(p, "/") {
		return errors.New("the path must start with /")
	}
	if strings.ContainsAny(p, "?#\\ ") {
		return errors.New("the path may not contain ?, #, \\ or spaces (the query string is never matched)")
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg != "**" && strings.Contains(seg, "**") {
			return fmt.Errorf("segment %q: ** must be a whole segment", seg)
		}
		if isDotSegment(seg) {
			return fmt.Errorf("segment %q: dot segments are not allowed", seg)
		}
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if err := checkSegment(seg); err != nil {
			return err
		}
	}
	return nil
}

func isDotSegment(seg string) bool {
	seg, _, _ = strings.Cut(seg, ";")
	return seg == "." || seg == ".."
}

// validMethod reports whether m is an upper-case RFC 9110 token.
func validMethod(m string) bool {
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// SafeMethod reports whether an HTTP method is GET or HEAD, the only
// methods sandbox mode lets through.
func SafeMethod(m string) bool { return m == "GET" || m == "HEAD" }
