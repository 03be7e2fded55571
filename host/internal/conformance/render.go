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

// WriteShapes prints the response shapes and corpus scenarios the run
// exercised.
func WriteShapes(w io.Writer, r *Report) {
	if len(r.Shapes) > 0 {
		names := make([]string, len(r.Shapes))
		for i, s := range r.Shapes {
			names[i] = s.Name
		}
		fmt.Fprintf(w, "Shapes exercised (%d): %s\n", len(names), strings.Join(names, ", "))
		for _, s := range r.Shapes {
			fmt.Fprintf(w, "  %-20s %s\n", s.Name, s.Description)
		}
	}
	if len(r.Corpus) > 0 {
		fmt.Fprintf(w, "Corpus scenarios (%d), from the vendor's published payloads:\n", len(r.Corpus))
		for _, c := range r.Corpus {
			fmt.Fprintf(w, "  %-32s %s\n", c.Name, oneLine(c.Shape))
		}
	}
}

// WriteSummary prints the shapes exercised, the totals and the verdict.
func WriteSummary(w io.Writer, r *Report) {
	WriteShapes(w, r)
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
