package agent

import "testing"

func TestResolve(t *testing.T) {
	cases := []struct {
		text, want, reason string
		ambiguous          bool
	}{
		{"what about p-101 today?", "P-101", "exact_id", false},
		{"the Feed pump spare is off", "P-102", "name_match", false},
		{"conveyor motor trips", "M-301", "name_match", false},
		{"north compressor is hot", "C-201", "name_keywords", false},
		{"the air compressor is noisy", "C-201", "name_keywords", true},
		{"hello there", "", "", false},
		{"P-1011 is not P-101x", "", "", false},
	}
	for _, c := range cases {
		r := Resolve(c.text, plant)
		got := ""
		if r.Asset != nil {
			got = r.Asset.ID
		}
		if got != c.want || r.Reason != c.reason || r.Ambiguous != c.ambiguous {
			t.Errorf("%q: got %s/%s/%v, want %s/%s/%v", c.text, got, r.Reason, r.Ambiguous, c.want, c.reason, c.ambiguous)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	for text, want := range map[string]Answer{"yes": AnswerYes, " Sì! ": AnswerYes, "procedi": AnswerYes, "OK.": AnswerYes,
		"no": AnswerNo, "annulla": AnswerNo, "yes please do it later": AnswerOther, "maybe": AnswerOther} {
		if got := ParseAnswer(text); got != want {
			t.Errorf("%q = %v, want %v", text, got, want)
		}
	}
}
