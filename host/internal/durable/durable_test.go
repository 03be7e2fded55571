package durable

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type rec struct {
	N int    `json:"n"`
	S string `json:"s,omitempty"`
}

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "state.json")
	if err := WriteJSON(p, rec{N: 1}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(p, rec{N: 2}); err != nil {
		t.Fatal(err)
	}
	var got rec
	found, err := ReadJSON(p, &got)
	if err != nil || !found || got.N != 2 {
		t.Fatalf("read = %+v %v %v", got, found, err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v %v", st.Mode(), err)
	}
	if st, _ := os.Stat(filepath.Dir(p)); st.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode = %v", st.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if found, err := ReadJSON(filepath.Join(dir, "none.json"), &got); found || err != nil {
		t.Fatalf("missing file: %v %v", found, err)
	}
	_ = os.WriteFile(p, []byte("{torn"), 0o600)
	if _, err := ReadJSON(p, &got); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("corrupt file: %v", err)
	}
}

func readAll(t *testing.T, p string) ([]rec, Recovery) {
	t.Helper()
	var out []rec
	j, r, err := OpenJournal(p, func(b []byte) error {
		var x rec
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return out, r
}

// TestJournalDropsTornRecord: bytes after the last newline are an append a
// crash cut short; reopening drops them, keeps every complete record, and
// later appends start on a clean line.
func TestJournalDropsTornRecord(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j.jsonl")
	j, _, err := OpenJournal(p, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := j.Append(rec{N: i}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"n":4,"s":"cut sh`)
	f.Close()

	got, r := readAll(t, p)
	if len(got) != 3 || r.Records != 3 || r.TornBytes != len(`{"n":4,"s":"cut sh`) || r.Corrupt != 0 {
		t.Fatalf("recovered %+v, %+v", got, r)
	}
	j2, _, err := OpenJournal(p, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := j2.Append(rec{N: 5}); err != nil {
		t.Fatal(err)
	}
	j2.Close()
	got, r = readAll(t, p)
	if len(got) != 4 || got[3].N != 5 || r.TornBytes != 0 {
		t.Fatalf("after a new append: %+v %+v", got, r)
	}
}

func TestJournalCorruptLineAndRewrite(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j.jsonl")
	_ = os.WriteFile(p, []byte("{\"n\":1}\nnot json\n{\"n\":2}\n"), 0o600)
	got, r := readAll(t, p)
	if len(got) != 2 || r.Corrupt != 1 {
		t.Fatalf("%+v %+v", got, r)
	}
	j, _, err := OpenJournal(p, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if j.Records() != 3 {
		t.Fatalf("records = %d", j.Records())
	}
	if err := j.Rewrite([]any{rec{N: 9}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(rec{N: 10}); err != nil {
		t.Fatal(err)
	}
	if j.Records() != 2 {
		t.Fatalf("records after rewrite = %d", j.Records())
	}
	j.Close()
	if err := j.Append(rec{}); err == nil {
		t.Fatal("append after close succeeded")
	}
	got, r = readAll(t, p)
	if len(got) != 2 || got[0].N != 9 || got[1].N != 10 || r.Corrupt != 0 {
		t.Fatalf("after rewrite: %+v %+v", got, r)
	}
}
