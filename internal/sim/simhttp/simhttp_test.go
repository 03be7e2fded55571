package simhttp

import (
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
