package hitserver

import (
	"net/http"
	"testing"
)

func TestCountsHits(t *testing.T) {
	s := New(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for range 3 {
		resp, err := http.Get(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTeapot {
			t.Fatalf("status %d, want the handler's 418", resp.StatusCode)
		}
	}
	if n := s.Hits.Load(); n != 3 {
		t.Fatalf("hits = %d, want 3", n)
	}
}
