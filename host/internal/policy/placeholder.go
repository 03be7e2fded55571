package policy

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// authPlaceholder marks where a url_path token goes in the URL path.
const authPlaceholder = "{{auth}}"

// placeholderRE matches {{secret:NAME}} and {{auth}}, with the braces (and
// the colon) literal or percent-encoded, as they appear in an escaped URL
// path or a form body.
var placeholderRE = regexp.MustCompile(`(?i)(?:\{|%7B){2}\s*(?:(secret)(?::|%3A)([A-Za-z0-9_.\-]{1,64})|(auth))\s*(?:\}|%7D){2}`)

// anyPlaceholderRE finds anything that looks like a placeholder, to refuse
// malformed or misplaced ones instead of sending them upstream.
var anyPlaceholderRE = regexp.MustCompile(`(?i)(?:\{|%7B){2}\s*(?:secret|auth)`)

// placeholder is one placeholder found in a request.
type placeholder struct {
	text string // as written
	name string // secret name, or "" for {{auth}}
	auth bool
}

// String renders the placeholder canonically, for refusal messages.
func (p placeholder) String() string {
	if p.auth {
		return authPlaceholder
	}
	return "{{secret:" + p.name + "}}"
}

func findPlaceholders(s string) []placeholder {
	var out []placeholder
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		out = append(out, placeholder{text: m[0], name: m[2], auth: m[3] != ""})
	}
	return out
}

// hasStrayPlaceholder reports whether s still contains something that looks
// like a placeholder once the valid ones are removed.
func hasStrayPlaceholder(s string) bool {
	return anyPlaceholderRE.MatchString(placeholderRE.ReplaceAllString(s, ""))
}

// resolver turns placeholders into values for one request. It checks every
// placeholder against the origin's grant before reading any secret.
type resolver struct {
	h      *Host
	origin *Origin
	values map[string]string // secret name → value, read once per request
	token  string            // url_path token
}

// check refuses a placeholder the origin does not allow.
func (r *resolver) check(p placeholder, where string) *refusal {
	if p.auth {
		if where != "path" {
			return refuse("placeholder %s is only allowed in the URL path", authPlaceholder)
		}
		if r.origin.Auth.Profile != "url_path" {
			return refuse("placeholder %s is only for origins bound to the url_path auth profile; %s uses %q", authPlaceholder, r.origin, r.origin.Auth.Profile)
		}
		return nil
	}
	if !slices.Contains(r.origin.Secrets, p.name) {
		return refuse("placeholder %s is not granted for origin %s", p, r.origin)
	}
	return nil
}

// value returns the replacement for a checked placeholder.
func (r *resolver) value(ctx context.Context, p placeholder) (string, *refusal) {
	if p.auth {
		return r.token, nil
	}
	if v, ok := r.values[p.name]; ok {
		return v, nil
	}
	if r.h.secrets == nil {
		return "", unavailable("placeholder %s: no secrets are configured on this host", p)
	}
	v, err := r.h.secrets.Get(ctx, p.name)
	if err != nil || v.IsZero() {
		if err != nil {
			r.h.log.Warn("secret for a plugin placeholder is not available", "secret", p.name, "error", r.h.scrub.ScrubString(err.Error()))
		}
		return "", unavailable("placeholder %s: the secret is not available on this host", p)
	}
	if r.values == nil {
		r.values = map[string]string{}
	}
	r.values[p.name] = v.Reveal()
	r.h.scrub.Add(v.Reveal())
	return v.Reveal(), nil
}

// substitute replaces every placeholder in s, escaping each value with esc.
func (r *resolver) substitute(ctx context.Context, s, where string, esc func(string) string) (string, *refusal) {
	ps := findPlaceholders(s)
	if len(ps) == 0 {
		if hasStrayPlaceholder(s) {
			return "", refuse("malformed placeholder in the %s (want {{secret:NAME}} or {{auth}})", where)
		}
		return s, nil
	}
	for _, p := range ps {
		if rf := r.check(p, where); rf != nil {
			return "", rf
		}
	}
	if hasStrayPlaceholder(s) {
		return "", refuse("malformed placeholder in the %s (want {{secret:NAME}} or {{auth}})", where)
	}
	var b strings.Builder
	last := 0
	for _, loc := range placeholderRE.FindAllStringSubmatchIndex(s, -1) {
		m := s[loc[0]:loc[1]]
		p := findPlaceholders(m)[0]
		v, rf := r.value(ctx, p)
		if rf != nil {
			return "", rf
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(esc(v))
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// substituteURL replaces placeholders in u's path (escaping values as path
// segments) and refuses placeholders in the query or fragment.
func (r *resolver) substituteURL(ctx context.Context, u *url.URL) *refusal {
	if anyPlaceholderRE.MatchString(u.RawQuery) || anyPlaceholderRE.MatchString(u.Fragment) {
		return refuse("placeholders are substituted only in header values, the URL path and form bodies, not in the query string")
	}
	esc := u.EscapedPath()
	if r.origin.Auth.Profile == "url_path" && !slices.ContainsFunc(findPlaceholders(esc), func(p placeholder) bool { return p.auth }) {
		return refuse("origin %s uses url_path auth: put %s in the URL path where the token goes (e.g. /bot%s/getMe)", r.origin, authPlaceholder, authPlaceholder)
	}
	out, rf := r.substitute(ctx, esc, "path", url.PathEscape)
	if rf != nil {
		return rf
	}
	if out == esc {
		return nil
	}
	p, err := url.PathUnescape(out)
	if err != nil {
		return refuse("URL path is not validly escaped")
	}
	u.Path, u.RawPath = p, out
	return nil
}
