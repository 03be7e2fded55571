package conformance

import (
	"fmt"
	"io"
	"strings"
)

// WriteHeader prints the run's header line.
func WriteHeader(w io.Writer, r *Report) {
	sha := r.SHA256
	if len(sha) > 12 {
		sha = sha[:12] + "…"
	}
	fmt.Fprintf(w, "Conformance: %s %s (sha256 %s) against the %s simulator at %s (auth profile %s)\n",
		orUnknown(r.Plugin), r.Version, sha, r.Simulator, r.Upstream, r.Auth)
	if len(r.Shapes) > 0 {
		fmt.Fprintf(w, "Upstream shapes: %s\n", strings.Join(r.Shapes, ", "))
	}
}

// WriteCheck prints one check: a status line, and for a failure what was
// expected and what happened.
func WriteCheck(w io.Writer, c Check) {
	label := map[Status]string{Pass: "PASS", Fail: "FAIL", Skip: "SKIP"}[c.Status]
	fmt.Fprintf(w, "%s  %-28s %s\n", label, c.Name, oneLine(c.Got))
	if c.Status == Fail {
		fmt.Fprintf(w, "      expected: %s\n      got:      %s\n", oneLine(c.Expected), oneLine(c.Got))
	}
}

// WriteSummary prints the totals and the verdict.
func WriteSummary(w io.Writer, r *Report) {
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", r.Passed, r.Failed, r.Skipped)
	if r.OK() {
		fmt.Fprintln(w, "RESULT: PASS")
		return
	}
	var failed []string
	for _, c := range r.Checks {
		if c.Status == Fail {
			failed = append(failed, c.Name)
		}
	}
	fmt.Fprintf(w, "RESULT: FAIL (%s)\n", strings.Join(failed, ", "))
}

// WriteText prints a whole report.
func WriteText(w io.Writer, r *Report) {
	WriteHeader(w, r)
	fmt.Fprintln(w)
	for _, c := range r.Checks {
		WriteCheck(w, c)
	}
	fmt.Fprintln(w)
	WriteSummary(w, r)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown plugin)"
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}
