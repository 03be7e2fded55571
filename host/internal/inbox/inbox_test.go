package inbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLedgerSurvivesReopen: what a ledger recorded is there after a
// restart; a reply that was being sent comes back marked Recovered (its
// send's outcome is unknown); a torn last line is dropped.
func TestLedgerSurvivesReopen(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state", "inbox.jsonl")
	l, _, err := Open(Options{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.Set("telegram", "4242:1", Answered, "ignored: settled"))
	must(l.Set("telegram", "4242:2", Replying, "the reply"))
	must(l.Set("email", "<a@b>", Refused, ""))
	if err := l.Set("", "x", Answered, ""); err == nil {
		t.Fatal("a record without a channel was accepted")
	}
	must(l.Close())
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"c":"telegram","id":"4242:3","s":"answ`) // a crash mid-append
	f.Close()

	l, rec, err := Open(Options{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if rec.Records != 3 || rec.TornBytes == 0 {
		t.Fatalf("recovery = %+v", rec)
	}
	if r, ok := l.Get("telegram", "4242:1"); !ok || r.State != Answered || r.Reply != "" || r.Recovered {
		t.Fatalf("answered record = %+v %v", r, ok)
	}
	if r, ok := l.Get("telegram", "4242:2"); !ok || r.State != Replying || r.Reply != "the reply" || !r.Recovered || r.State.Settled() {
		t.Fatalf("replying record = %+v %v", r, ok)
	}
	if _, ok := l.Get("telegram", "4242:3"); ok {
		t.Fatal("the torn record was read")
	}
	if r, _ := l.Get("email", "<a@b>"); !r.State.Settled() {
		t.Fatalf("refused record = %+v", r)
	}
}

// TestLedgerPrunesSettledRecords: settled records older than Retain go at
// the next compaction; a message still being answered is never pruned.
func TestLedgerPrunesSettledRecords(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	p := filepath.Join(t.TempDir(), "inbox.jsonl")
	l, _, err := Open(Options{Path: p, Retain: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Set("telegram", "old", Answered, "")
	_ = l.Set("telegram", "sending", Replying, "r")
	l.Close()
	now = now.Add(2 * time.Hour)
	l, _, err = Open(Options{Path: p, Retain: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, ok := l.Get("telegram", "old"); ok {
		t.Fatal("a settled record past Retain was kept")
	}
	if _, ok := l.Get("telegram", "sending"); !ok || l.Len() != 1 {
		t.Fatalf("the unsettled record was pruned (len %d)", l.Len())
	}
}
