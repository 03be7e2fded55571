package agent

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/machina-go/machina/abi"
)

// Band classifies a resolution's confidence.
type Band string

// Confidence bands: high ≥ 0.7, mid 0.4–0.7, low < 0.4.
const (
	BandHigh Band = "high"
	BandMid  Band = "mid"
	BandLow  Band = "low"
)

// Resolution is the asset a message is about, if any.
type Resolution struct {
	Asset      *abi.Asset
	Confidence float64
	Reason     string // exact_id, name_match, alias_match, name_keywords, location_match, keyword_match
	// Ambiguous is set when several assets tie at the top (other than by an
	// exact id); Candidates then lists them.
	Ambiguous  bool
	Candidates []abi.Asset
}

// Band returns the resolution's confidence band.
func (r Resolution) Band() Band {
	switch {
	case r.Confidence >= 0.7:
		return BandHigh
	case r.Confidence >= 0.4:
		return BandMid
	default:
		return BandLow
	}
}

// Commits reports whether the resolution is strong enough to act on: high
// or mid band and not ambiguous.
func (r Resolution) Commits() bool { return r.Asset != nil && !r.Ambiguous && r.Band() != BandLow }

var wordRE = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}_-]*`)

func words(s string) []string {
	ws := wordRE.FindAllString(strings.ToLower(s), -1)
	out := ws[:0]
	for _, w := range ws {
		out = append(out, strings.Trim(w, "-_"))
	}
	return out
}

// containsToken reports whether tok occurs in text as a whole token
// (case-insensitive, bounded by non-word characters).
func containsToken(text, tok string) bool {
	if tok == "" {
		return false
	}
	lt, ltok := strings.ToLower(text), strings.ToLower(tok)
	for i := 0; ; {
		j := strings.Index(lt[i:], ltok)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(ltok)
		if (start == 0 || !isWordRune(rune(lt[start-1]))) && (end == len(lt) || !isWordRune(rune(lt[end]))) {
			return true
		}
		i = start + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// Resolve finds the asset text is about, with the reference's cascade:
// exact id (1.0), name substring or alias (0.9), name keywords (0.7×overlap),
// location (0.6×overlap), any keyword (0.4×fraction). The first stage that
// matches decides.
func Resolve(text string, assets []abi.Asset) Resolution {
	type scored struct {
		a      abi.Asset
		score  float64
		reason string
	}
	stage := func(f func(a abi.Asset) (float64, string)) []scored {
		var out []scored
		for _, a := range assets {
			if s, why := f(a); s > 0 {
				out = append(out, scored{a, s, why})
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
		return out
	}
	lower := strings.ToLower(text)
	qwords := words(text)
	stages := []func(a abi.Asset) (float64, string){
		func(a abi.Asset) (float64, string) {
			if containsToken(text, a.ID) {
				return 1.0, "exact_id"
			}
			return 0, ""
		},
		func(a abi.Asset) (float64, string) {
			if len(a.Name) >= 4 && strings.Contains(lower, strings.ToLower(a.Name)) {
				// A longer matching name is more specific ("feed pump spare"
				// over "feed pump"), so it wins the tie.
				return 0.9 + 1e-4*float64(min(len(a.Name), 99)), "name_match"
			}
			for _, al := range a.Aliases {
				if containsToken(text, al) {
					return 0.9, "alias_match"
				}
			}
			return 0, ""
		},
		func(a abi.Asset) (float64, string) {
			if r := overlap(words(a.Name), qwords); r >= 0.5 {
				return 0.7 * r, "name_keywords"
			}
			return 0, ""
		},
		func(a abi.Asset) (float64, string) {
			if r := overlap(words(a.Location), qwords); r >= 0.5 {
				return 0.6 * r, "location_match"
			}
			return 0, ""
		},
		func(a abi.Asset) (float64, string) {
			fields := words(strings.Join([]string{a.ID, a.Name, a.Location, a.Manufacturer, a.Model, string(a.Type)}, " "))
			return 0.4 * overlap(qwords, fields), "keyword_match"
		},
	}
	for _, st := range stages {
		got := stage(st)
		if len(got) == 0 {
			continue
		}
		top := got[0]
		res := Resolution{Asset: &top.a, Confidence: top.score, Reason: top.reason}
		if top.reason != "exact_id" {
			for _, g := range got[1:] {
				if g.score == top.score {
					res.Ambiguous = true
				}
			}
			if res.Ambiguous {
				for _, g := range got {
					if g.score == top.score && len(res.Candidates) < 3 {
						res.Candidates = append(res.Candidates, g.a)
					}
				}
			}
		}
		return res
	}
	return Resolution{}
}

// overlap is the fraction of name words (longer than 2 characters) found
// among the query words; 0 when name has no such word.
func overlap(name, query []string) float64 {
	var long []string
	for _, w := range name {
		if len(w) > 2 {
			long = append(long, w)
		}
	}
	if len(long) == 0 {
		return 0
	}
	hit := 0
	for _, w := range long {
		for _, q := range query {
			if q == w {
				hit++
				break
			}
		}
	}
	return float64(hit) / float64(len(long))
}
