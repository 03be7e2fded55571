package pdk

import (
	"fmt"
	"net/url"
	"strings"
)

// ResolveLink turns a link an upstream returned (a next-page link, a record
// href) into the URL to request, on base's origin only.
//
//   - A relative link is resolved against base (RFC 3986), so base should
//     end in "/" when links are relative to a directory (Maximo's
//     "oslc/os/…" hrefs are relative to "<origin>/maximo/").
//   - An absolute link on base's origin is used as is.
//   - An absolute http(s) link naming another scheme, host or port keeps its
//     path and query and is re-based onto base's origin; rebased is true.
//     Upstreams behind a reverse proxy or load balancer report their
//     internal host names (Maximo builds hrefs from mxe.oslc.webappurl).
//     The path is kept as the upstream wrote it: a proxy that also rewrites
//     paths is not supported.
//
// The result never leaves base's origin, so a plugin cannot be steered to
// another host by the data it reads. Links with user information, another
// scheme than http(s), or that do not parse are errors.
func ResolveLink(base, link string) (resolved string, rebased bool, err error) {
	b, err := url.Parse(base)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
		return "", false, fmt.Errorf("base URL %q is not an absolute http(s) URL", base)
	}
	link = strings.TrimSpace(link)
	if link == "" {
		return "", false, fmt.Errorf("empty link")
	}
	l, err := url.Parse(link)
	if err != nil {
		return "", false, fmt.Errorf("link %q does not parse: %w", link, err)
	}
	if l.User != nil {
		return "", false, fmt.Errorf("link %q carries user information", link)
	}
	if !l.IsAbs() && l.Host == "" {
		r := b.ResolveReference(l)
		r.Fragment, r.RawFragment = "", ""
		return r.String(), false, nil
	}
	if l.Scheme != "" && l.Scheme != "http" && l.Scheme != "https" {
		return "", false, fmt.Errorf("link %q is not http(s)", link)
	}
	if strings.EqualFold(l.Host, b.Host) && (l.Scheme == "" || l.Scheme == b.Scheme) {
		l.Scheme, l.Fragment, l.RawFragment = b.Scheme, "", ""
		return l.String(), false, nil
	}
	out := url.URL{Scheme: b.Scheme, Host: b.Host, Path: l.Path, RawPath: l.RawPath, RawQuery: l.RawQuery}
	return out.String(), true, nil
}

// Origin returns scheme://host[:port] of u ("" when u does not parse).
func Origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}
