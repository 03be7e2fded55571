package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
)

// Ident identifies one side of a diff.
type Ident struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	ABI     string `json:"abi"`
	Kind    string `json:"kind"`
	SHA256  string `json:"sha256"`
}

// Change is one capability-relevant difference between two modules.
type Change struct {
	// What changed: name, version, abi, kind, origin, auth, secret,
	// import, operation, mail, kv.
	What string `json:"what"`
	// Change is added, removed or changed.
	Change string `json:"change"`
	// Subject is the origin pattern, import, operation… concerned.
	Subject string `json:"subject"`
	// Detail adds context (old → new values, verdicts, classes).
	Detail string `json:"detail,omitempty"`
}

// String renders a change as one line: "+ origin https://x (auth: none)".
func (c Change) String() string {
	sign := map[string]string{"added": "+", "removed": "-", "changed": "~"}[c.Change]
	s := sign + " " + c.What + " " + c.Subject
	if c.Detail != "" {
		s += " (" + c.Detail + ")"
	}
	return s
}

// DiffResult is what an upgrade from Old to New changes.
type DiffResult struct {
	Old     Ident    `json:"old"`
	New     Ident    `json:"new"`
	Changes []Change `json:"changes"`
	// Findings are the changes a reviewer must look at before upgrading:
	// new write paths and write operations, new origins, mail.
	Findings []Finding `json:"findings"`
}

func identOf(r *Report) Ident {
	return Ident{Name: r.Name, Version: r.Version, ABI: r.ABI, Kind: string(r.Kind), SHA256: r.SHA256}
}

// Diff compares two audit reports: identity, requested origins with their
// auth profiles and secrets, imports, operations, mail and kv requests.
func Diff(old, new *Report) DiffResult {
	d := DiffResult{Old: identOf(old), New: identOf(new), Changes: []Change{}, Findings: []Finding{}}
	add := func(what, change, subject, detail string) {
		d.Changes = append(d.Changes, Change{What: what, Change: change, Subject: subject, Detail: detail})
	}
	for _, f := range []struct{ what, a, b string }{
		{"name", old.Name, new.Name}, {"version", old.Version, new.Version},
		{"abi", old.ABI, new.ABI}, {"kind", string(old.Kind), string(new.Kind)},
	} {
		if f.a != f.b {
			add(f.what, "changed", f.a+" → "+f.b, "")
		}
	}
	find := func(sev Severity, code, f string, a ...any) {
		d.Findings = append(d.Findings, Finding{Severity: sev, Code: code, Message: fmt.Sprintf(f, a...)})
	}
	d.diffOrigins(old, new, add, find)
	// Imports.
	oi, ni := map[string]string{}, map[string]string{}
	for _, i := range old.Imports {
		oi[i.Import.String()] = string(i.Verdict)
	}
	for _, i := range new.Imports {
		ni[i.Import.String()] = string(i.Verdict)
	}
	for _, k := range sortedKeys(ni) {
		if _, ok := oi[k]; !ok {
			add("import", "added", k, "verdict "+ni[k])
		}
	}
	for _, k := range sortedKeys(oi) {
		if _, ok := ni[k]; !ok {
			add("import", "removed", k, "verdict "+oi[k])
		}
	}
	// Operations.
	oops, nops := map[string]Operation{}, map[string]Operation{}
	for _, o := range old.Descriptor.Operations {
		oops[string(o.Name)] = o
	}
	for _, o := range new.Descriptor.Operations {
		nops[string(o.Name)] = o
	}
	for _, k := range sortedKeys(nops) {
		if _, ok := oops[k]; !ok {
			add("operation", "added", k, string(nops[k].Class))
			if nops[k].Class == abi.ClassWrite {
				find(Medium, "write_operation_added", "the upgrade adds the write operation %s", k)
			}
		}
	}
	for _, k := range sortedKeys(oops) {
		if _, ok := nops[k]; !ok {
			add("operation", "removed", k, string(oops[k].Class))
		}
	}
	// Mail and kv.
	if old.Requested.Mail != new.Requested.Mail {
		add("mail", map[bool]string{true: "added", false: "removed"}[new.Requested.Mail], "mail_send/mail_fetch", "")
		if new.Requested.Mail {
			find(Medium, "mail_added", "the upgrade requests mail (mail_send/mail_fetch)")
		}
	}
	ok, nk := old.Requested.KV, new.Requested.KV
	switch {
	case ok == nil && nk != nil:
		add("kv", "added", "key-value store", fmt.Sprintf("quota %d bytes", nk.QuotaBytes))
	case ok != nil && nk == nil:
		add("kv", "removed", "key-value store", "")
	case ok != nil && nk != nil && ok.QuotaBytes != nk.QuotaBytes:
		add("kv", "changed", "key-value store", fmt.Sprintf("quota %d → %d bytes", ok.QuotaBytes, nk.QuotaBytes))
	}
	return d
}

// diffOrigins compares the requested origins, keyed by pattern: auth
// profiles, secrets, and declared reads and writes.
func (d *DiffResult) diffOrigins(old, new *Report, add func(what, change, subject, detail string), find func(Severity, string, string, ...any)) {
	oo, no := originMap(old.Requested.HTTP), originMap(new.Requested.HTTP)
	for _, k := range sortedKeys(no) {
		n := no[k]
		o, ok := oo[k]
		if !ok {
			add("origin", "added", k, originDetail(n))
			find(Low, "origin_added", "the upgrade requests a new origin %s", k)
		}
		if ok {
			for _, a := range minus(authStrings(n.Auth), authStrings(o.Auth)) {
				add("auth", "added", k, "profile "+a)
			}
			for _, a := range minus(authStrings(o.Auth), authStrings(n.Auth)) {
				add("auth", "removed", k, "profile "+a)
			}
			for _, s := range minus(n.Secrets, o.Secrets) {
				add("secret", "added", k, "placeholder {{secret:"+s+"}}")
			}
			for _, s := range minus(o.Secrets, n.Secrets) {
				add("secret", "removed", k, "placeholder {{secret:"+s+"}}")
			}
		}
		for _, r := range minus(normRules(n.Reads), normRules(o.Reads)) {
			add("read", "added", k, r)
		}
		for _, r := range minus(normRules(o.Reads), normRules(n.Reads)) {
			add("read", "removed", k, r)
		}
		for _, r := range minus(normRules(n.Writes), normRules(o.Writes)) {
			add("write", "added", k, r)
			find(Medium, "write_path_added", "the upgrade adds the write %s on %s", r, k)
		}
		for _, r := range minus(normRules(o.Writes), normRules(n.Writes)) {
			add("write", "removed", k, r)
		}
	}
	for _, k := range sortedKeys(oo) {
		if _, ok := no[k]; !ok {
			add("origin", "removed", k, originDetail(oo[k]))
		}
	}
}

// normRules renders rules canonically ("GET,HEAD /x"), so spelling
// differences are not changes.
func normRules(rs []string) []string {
	out := make([]string, 0, len(rs))
	for _, s := range rs {
		if r, err := wire.ParseRequestRule(s); err == nil {
			s = r.String()
		}
		out = append(out, s)
	}
	return out
}

func originMap(rs []wire.OriginRequest) map[string]wire.OriginRequest {
	m := map[string]wire.OriginRequest{}
	for _, r := range rs {
		key := r.Pattern
		if p, err := wire.ParseOriginPattern(r.Pattern); err == nil {
			key = p.String()
		}
		if prev, ok := m[key]; ok { // merge duplicates
			prev.Auth = append(prev.Auth, r.Auth...)
			prev.Secrets = append(prev.Secrets, r.Secrets...)
			prev.Reads = append(prev.Reads, r.Reads...)
			prev.Writes = append(prev.Writes, r.Writes...)
			r = prev
		}
		m[key] = r
	}
	return m
}

func originDetail(r wire.OriginRequest) string {
	parts := []string{"auth: " + strings.Join(authStrings(r.Auth), ", ")}
	if len(r.Secrets) > 0 {
		parts = append(parts, "secrets: "+strings.Join(r.Secrets, ", "))
	}
	return strings.Join(parts, "; ")
}

func authStrings(a []wire.AuthProfile) []string {
	if len(a) == 0 {
		return []string{string(wire.AuthNone)}
	}
	out := make([]string, 0, len(a))
	for _, p := range a {
		if !slices.Contains(out, string(p)) {
			out = append(out, string(p))
		}
	}
	return out
}

// minus returns the elements of a not in b.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
