package simhttp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestTake(t *testing.T) {
	n := 2
	if !Take(&n) || !Take(&n) || Take(&n) || n != 0 {
		t.Fatalf("a count of 2 must fire twice, n=%d", n)
	}
	always := -1
	for range 3 {
		if !Take(&always) {
			t.Fatal("a negative count fires on every request")
		}
	}
}

func TestWriteEnvFile(t *testing.T) {
	path, err := WriteEnvFile(filepath.Join(t.TempDir(), "sim.env"), "", [][2]string{{"A", "1"}, {"B", "2"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "A=1\nB=2\n" || fi.Mode().Perm() != 0o600 || !filepath.IsAbs(path) {
		t.Fatalf("%q mode %v path %s", b, fi.Mode().Perm(), path)
	}
}

func TestDamage(t *testing.T) {
	body := []byte(`{"a":1}` + "\n")
	if b, ok := Damage(body, 200, true, false, 0); !ok || string(b) != `{"a"` {
		t.Fatalf("malformed: %q %v", b, ok)
	}
	b, ok := Damage(body, 200, false, true, 40)
	if !ok || len(b) < 40 || !json.Valid(b) {
		t.Fatalf("oversized: %q (%d bytes) %v", b, len(b), ok)
	}
	for _, tc := range []struct {
		status    int
		malformed bool
		over      int
	}{{404, true, 0}, {200, false, 4}, {404, false, 40}} {
		if b, ok := Damage(body, tc.status, tc.malformed, !tc.malformed, tc.over); ok || string(b) != string(body) {
			t.Errorf("%+v changed the body: %q", tc, b)
		}
	}
}

func TestCount(t *testing.T) {
	var c Counters
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch} {
		c.Count(httptest.NewRequest(m, "/x", nil))
	}
	if c.Requests.Load() != 4 || c.Reads.Load() != 2 || c.Writes.Load() != 2 {
		t.Fatalf("requests %d reads %d writes %d", c.Requests.Load(), c.Reads.Load(), c.Writes.Load())
	}
}
