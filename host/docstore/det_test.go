package docstore

import (
	"context"
	"testing"
)

func TestDetTmp(t *testing.T) {
	s1, _, _ := ingestSamples(t)
	s2, _, _ := ingestSamples(t)
	for _, m := range []Mode{Lexical, Dense, Hybrid} {
		for _, q := range []string{"how often should the reducer oil be renewed", "valve keeps hunting and oscillating", "rolling element bearing shows flaking on the raceway"} {
			a, _ := s1.Search(context.Background(), Query{Text: q, TopK: 10, Mode: m})
			b, _ := s2.Search(context.Background(), Query{Text: q, TopK: 10, Mode: m})
			for i := range a {
				if a[i].SectionTitle != b[i].SectionTitle || a[i].Score != b[i].Score {
					t.Errorf("%v %q %d: %s %v vs %s %v", m, q, i, a[i].SectionTitle, a[i].Score, b[i].SectionTitle, b[i].Score)
				}
			}
		}
	}
}
