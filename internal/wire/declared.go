package wire

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/machina-go/machina/abi"
)

// DefaultPort is the port an http or https URL without one reaches.
func DefaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// OriginString renders scheme://host:port, with brackets around an IPv6
// host (one that is not bracketed already).
func OriginString(scheme, host, port string) string {
	if host != "" && host[0] != '[' && strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}

// methodOverrideHeaders turn a POST into another method on many servers
// (Maximo: x-method-override: PATCH). A request carrying one is never a
// read.
var methodOverrideHeaders = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// Classify decides whether a request its origin's rules declare is a read:
// read and write say whether a read rule and a write rule match it. It is
// a read only when a read rule matches, no write rule does and it carries
// no method-override header; override names the one it carries ("" when
// none), for the refusal message.
func Classify(read, write bool, headers map[string]string) (isRead bool, override string) {
	for k := range headers {
		for _, m := range methodOverrideHeaders {
			if strings.EqualFold(k, m) {
				override = k
			}
		}
	}
	return read && !write && override == "", override
}

// WriteExport reports whether export, the plugin export the host runs, is a
// write operation of the fixed ABI table: only then may a declared write
// request pass the gate. Anything else (a read operation, machina_init,
// machina_describe, an unknown export) is not a write.
func WriteExport(export string) bool {
	op, ok := abi.LookupOperation(abi.OpName(export))
	return ok && op.Class == abi.ClassWrite
}

// CheckDeclared checks a request against the manifest alone, with the
// host's HTTP gate's rules but no operator grant: the URL's origin must fall
// under a requested origin pattern and its path must match one of the reads
// or writes declared there. It returns whether the request is a write
// (Classify), which the host lets through only while a write operation
// runs. Callers normalise method to upper case.
func (m Manifest) CheckDeclared(method, rawURL string, headers map[string]string) (write bool, err error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return false, fmt.Errorf("%q is not an absolute URL", rawURL)
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = DefaultPort(scheme)
	}
	origin := OriginString(scheme, host, port)
	what := method + " " + u.Path
	path, err := ParseRequestPath(u.EscapedPath())
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	requested, read, wrote := false, false, false
	for _, o := range m.HTTP {
		pat, err := ParseOriginPattern(o.Pattern)
		if err != nil || !pat.Match(scheme, host, port) {
			continue
		}
		requested = true
		reads, writes, err := o.Rules()
		if err != nil {
			return false, fmt.Errorf("manifest origin %s: %w", o.Pattern, err)
		}
		read = read || MatchAny(reads, method, path)
		wrote = wrote || MatchAny(writes, method, path)
	}
	switch {
	case !requested:
		return false, fmt.Errorf("origin %s is not requested in the plugin's manifest (add an [[http]] origin for it)", origin)
	case !read && !wrote:
		return false, fmt.Errorf("%s is not a request the plugin declared for %s (see the manifest's reads and writes)", what, origin)
	}
	isRead, _ := Classify(read, wrote, headers)
	return !isRead, nil
}
