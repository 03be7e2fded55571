package docstore

import (
	"math"
	"reflect"
	"testing"
)

// ids lists the chunk ids of rs in order.
func ids(rs []ranked) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.id
	}
	return out
}

func TestFuseRRFOrdersByRRF(t *testing.T) {
	lex := []ranked{{"a", 0, 9}, {"b", 1, 5}, {"c", 2, 1}}
	dense := []ranked{{"a", 0, 0.9}, {"c", 2, 0.5}}
	got := fuseRRF(lex, dense)
	if want := []string{"a", "c", "b"}; !reflect.DeepEqual(ids(got), want) {
		t.Fatalf("order %v, want %v", ids(got), want)
	}
	if want := 2.0 / float64(RRFK+1); math.Abs(got[0].score-want) > 1e-15 {
		t.Errorf("score of a = %v, want %v", got[0].score, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i].score > got[i-1].score {
			t.Errorf("scores not non-increasing: %v", got)
		}
	}
}

func TestFuseRRFBreaksTiesByNormalisedScores(t *testing.T) {
	// x is lexical #1 and dense #2, y is lexical #2 and dense #1: an exact
	// RRF tie. The lexical gap between them is small relative to the
	// lexical spread, the dense gap large relative to the dense spread, so
	// y (the decisive dense winner) goes first although x has the lower
	// slot.
	lex := []ranked{{"x", 0, 10}, {"y", 1, 9.9}, {"z", 2, 0}}
	dense := []ranked{{"y", 1, 0.8}, {"x", 0, 0.2}, {"z", 2, 0.1}}
	got := fuseRRF(lex, dense)
	if got[0].score != got[1].score {
		t.Fatalf("expected an exact RRF tie, got %v", got)
	}
	if want := []string{"y", "x", "z"}; !reflect.DeepEqual(ids(got), want) {
		t.Fatalf("order %v, want %v", ids(got), want)
	}
	// Mirror image: now the lexical gap is the decisive one.
	lex = []ranked{{"x", 0, 10}, {"y", 1, 1}, {"z", 2, 0}}
	dense = []ranked{{"y", 1, 0.8}, {"x", 0, 0.79}, {"z", 2, 0.1}}
	if want, got := []string{"x", "y", "z"}, ids(fuseRRF(lex, dense)); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestFuseRRFTiesAreExactAndStable(t *testing.T) {
	// Same multiset of ranks in three lists, reached in different list
	// orders: the sums must be bitwise equal, and with equal normalised
	// evidence the lower slot wins.
	l1 := []ranked{{"p", 5, 3}, {"q", 4, 2}, {"r", 6, 1}}
	l2 := []ranked{{"q", 4, 3}, {"r", 6, 2}, {"p", 5, 1}}
	l3 := []ranked{{"r", 6, 3}, {"p", 5, 2}, {"q", 4, 1}}
	got := fuseRRF(l1, l2, l3)
	score := map[string]float64{}
	for _, r := range got {
		score[r.id] = r.score
	}
	if score["p"] != score["q"] || score["q"] != score["r"] {
		t.Fatalf("p, q and r hold ranks {1,2,3} each but scored %v", score)
	}
	// They also tie on normalised evidence (1 + 0.5 + 0 each), so the
	// order is by slot.
	if want := []string{"q", "p", "r"}; !reflect.DeepEqual(ids(got), want) {
		t.Errorf("order %v, want %v", ids(got), want)
	}
	// Degenerate inputs.
	if got := fuseRRF(); len(got) != 0 {
		t.Errorf("no lists: %v", got)
	}
	one := fuseRRF([]ranked{{"a", 0, 1}, {"b", 1, 1}})
	if want := []string{"a", "b"}; !reflect.DeepEqual(ids(one), want) {
		t.Errorf("constant scores: %v, want %v", ids(one), want)
	}
}

func TestConceptTableIsDeterministic(t *testing.T) {
	// Words listed in two groups stand for both, sorted, with the concept
	// mass split; before, the winner depended on map iteration order.
	for word, want := range map[string][]concept{
		"winding": {{"insulation", wConcept / 2}, {"motor", wConcept / 2}},
		"tighten": {{"tension", wConcept / 2}, {"torque", wConcept / 2}},
		"megger":  {{"insulation", wConcept}},
	} {
		if got := conceptOf(word); !reflect.DeepEqual(got, want) {
			t.Errorf("conceptOf(%q) = %v, want %v", word, got, want)
		}
	}
	if got := conceptOf("tightened"); len(got) != 2 {
		t.Errorf("conceptOf(tightened) = %v, want the two concepts of tighten", got)
	}
	for k, cs := range conceptTable {
		total := 0.0
		for i, c := range cs {
			total += c.w
			if i > 0 && cs[i-1].name >= c.name {
				t.Errorf("%q: concepts not sorted and unique: %v", k, cs)
			}
		}
		if math.Abs(total-wConcept) > 1e-12 {
			t.Errorf("%q: concept mass %v, want %v", k, total, wConcept)
		}
	}
}
