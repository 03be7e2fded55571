package docstore

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// samplesDir is the committed sample manuals.
const samplesDir = "../../../samples/manuals"

// copySamples copies the sample manuals into a fresh temporary directory.
func copySamples(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(samplesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		copyFile(t, filepath.Join(samplesDir, e.Name()), filepath.Join(dst, e.Name()))
	}
	return dst
}

// copyFile copies one file.
func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// openStore opens a store in dir and closes it at the end of the test.
func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// ingestSamples opens a store in a temp dir and ingests a copy of the samples.
func ingestSamples(t testing.TB) (*Store, string, Summary) {
	t.Helper()
	docs := copySamples(t)
	s := openStore(t, t.TempDir())
	sum, err := s.IngestDir(context.Background(), docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, docs, sum
}
