package trace

import (
	"math"
	"strings"
)

// Scrubber removes known secret values from text; *secrets.Scrubber
// implements it.
type Scrubber interface {
	ScrubString(string) string
}

// DefaultMaxSummaryChars is where input and output summaries are cut.
const DefaultMaxSummaryChars = 2000

// truncatedMark ends a truncated summary.
const truncatedMark = "...[truncated]"

// redactor applies the write-time redaction rules.
type redactor struct {
	s          Scrubber
	maxSummary int
}

func (r redactor) str(s string) string {
	if r.s == nil || s == "" {
		return s
	}
	return r.s.ScrubString(s)
}

// entry returns a copy of e with every top-level string scrubbed, the
// summaries truncated and the duration rounded. Metadata is not copied: it
// is redacted while it is encoded (appendEntry), so it must not be used
// for anything else.
func (r redactor) entry(e Entry) Entry {
	e.HTTPOrigin = stripUserinfo(e.HTTPOrigin)
	e.HTTPPath = pathOnly(e.HTTPPath)
	for _, f := range []*string{&e.ID, &e.ParentID, &e.Action, &e.Connector, &e.AssetID, &e.Operation,
		&e.InputSummary, &e.OutputSummary, &e.Error, &e.ConversationID, &e.Model, &e.ClientID,
		&e.Plugin, &e.PluginSHA256, &e.HTTPMethod, &e.HTTPOrigin, &e.HTTPPath} {
		*f = r.str(*f)
	}
	e.InputSummary = truncate(e.InputSummary, r.maxSummary)
	e.OutputSummary = truncate(e.OutputSummary, r.maxSummary)
	e.DurationMS = round2(e.DurationMS)
	e.Timestamp = e.Timestamp.UTC()
	e.Seq, e.PrevHash, e.Hash = 0, "", ""
	return e
}

// truncate cuts s after max runes and appends "...[truncated]".
func truncate(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + truncatedMark
		}
		n++
	}
	return s
}

func round2(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*100) / 100
}

// pathOnly drops a query string or fragment that slipped into a path.
func pathOnly(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}

// stripUserinfo removes "user:pass@" from an origin.
func stripUserinfo(o string) string {
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok {
		return o
	}
	host := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host = rest[:i]
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		return scheme + "://" + rest[at+1:]
	}
	return o
}
