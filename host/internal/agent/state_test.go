package agent

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/llm/llmtest"
)

var pumpAlarm = abi.Alarm{ID: "ALM-7", AssetID: "M-301", Severity: abi.SeverityWarning, Parameter: "current", Value: 31, Threshold: 28}

// TestConfirmationAndAlarmSurviveRestart: a work order drafted from an
// alarm and waiting for a "yes" is still waiting after a restart (a new
// agent restored from the state file), the "yes" creates it, and the alarm
// handed in again after the restart drafts nothing a second time.
func TestConfirmationAndAlarmSurviveRestart(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	ts := &toolServer{}
	path := filepath.Join(t.TempDir(), "state", "agent.json")
	target := Target{Channel: "telegram", ChatID: "ops"}
	var notes []string
	notify := func(_ context.Context, text string) error { notes = append(notes, text); return nil }

	before, _ := newAgent(t, fake, ts, nil)
	if r, err := before.Restore(path); err != nil || r != (Restored{}) {
		t.Fatalf("restore from nothing: %+v %v", r, err)
	}
	res, err := before.OnAlarm(context.Background(), pumpAlarm, target, notify)
	if err != nil || !res.Pending || len(notes) != 1 {
		t.Fatalf("drafting: %+v %v %v", res, err, notes)
	}

	after, _ := newAgent(t, fake, ts, nil)
	r, err := after.Restore(path)
	if err != nil || r.Proposals != 1 || r.Alarms != 1 || r.Unfinished != 0 {
		t.Fatalf("restored %+v, %v", r, err)
	}
	again, err := after.OnAlarm(context.Background(), pumpAlarm, target, notify)
	if err != nil || again.Skipped != "alarm already handled" || len(notes) != 1 {
		t.Fatalf("the alarm ran again after the restart: %+v %v, notes %d", again, err, len(notes))
	}
	reply, err := after.Handle(context.Background(), abi.Message{Channel: "telegram", ChatID: "ops", UserID: "5", Text: "yes"})
	if err != nil || ts.writeCount() != 1 || !strings.Contains(reply, res.WorkOrderID) {
		t.Fatalf("yes after the restart: %q %v, writes %d, want %s", reply, err, ts.writeCount(), res.WorkOrderID)
	}
	if len(fake.Requests()) != 0 {
		t.Fatal("the confirmation went to the model")
	}
	// The confirmation is used up, durably.
	third, _ := newAgent(t, fake, ts, nil)
	if r, err := third.Restore(path); err != nil || r.Proposals != 0 {
		t.Fatalf("after the yes: %+v %v", r, err)
	}
}

// TestInterruptedAlarmRunResumes: the host stops while the drafted work
// order is being created (the write reached the CMMS, the answer did not);
// after the restart the run resumes with the draft it recorded — the same
// arguments, hence the same deterministic id, without drafting anew — and
// the repeated notification says so.
func TestInterruptedAlarmRunResumes(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	ctx, stop := context.WithCancel(context.Background())
	ts := &toolServer{onWrite: stop}
	path := filepath.Join(t.TempDir(), "agent.json")
	noConfirm := func(o *Options) { o.NoConfirmations = true }
	var notes []string
	notify := func(_ context.Context, text string) error { notes = append(notes, text); return nil }

	before, _ := newAgent(t, fake, ts, noConfirm)
	if _, err := before.Restore(path); err != nil {
		t.Fatal(err)
	}
	if _, err := before.OnAlarm(ctx, pumpAlarm, Target{}, notify); err == nil {
		t.Fatal("the interrupted run reported success")
	}
	ts.onWrite = nil
	lookups := len(ts.clients)

	after, _ := newAgent(t, fake, ts, noConfirm)
	r, err := after.Restore(path)
	if err != nil || r.Unfinished != 1 {
		t.Fatalf("restored %+v, %v; want the interrupted run", r, err)
	}
	res, err := after.OnAlarm(context.Background(), pumpAlarm, Target{}, notify)
	if err != nil || !res.Submitted || ts.writeCount() != 2 {
		t.Fatalf("resumed run: %+v %v, writes %d", res, err, ts.writeCount())
	}
	if canonical(ts.writes[0]) != canonical(ts.writes[1]) {
		t.Fatalf("the resumed run drafted anew:\n%v\n%v", ts.writes[0], ts.writes[1])
	}
	if got := len(ts.clients) - lookups; got != 1 {
		t.Fatalf("the resumed run made %d tool calls, want only the create", got)
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], resumedNote) {
		t.Fatalf("notes = %q", notes)
	}
	if again, _ := after.OnAlarm(context.Background(), pumpAlarm, Target{}, notify); again.Skipped == "" {
		t.Fatal("the finished run ran again")
	}
}

// TestExpiredConfirmationIsSaidSo: a "yes" to a proposal that timed out
// writes nothing and says the confirmation expired (never goes to the
// model as a bare "yes").
func TestExpiredConfirmationIsSaidSo(t *testing.T) {
	fake := llmtest.New()
	defer fake.Close()
	ts := &toolServer{}
	a, _ := newAgent(t, fake, ts, nil)
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	a.conf.Now = func() time.Time { return now }
	if res, err := a.OnAlarm(context.Background(), pumpAlarm, Target{Channel: "telegram", ChatID: "ops"}, nil); err != nil || !res.Pending {
		t.Fatalf("%+v %v", res, err)
	}
	now = now.Add(2 * time.Hour)
	reply, err := a.Handle(context.Background(), abi.Message{Channel: "telegram", ChatID: "ops", UserID: "5", Text: "yes"})
	if err != nil || !strings.Contains(reply, "expired") || ts.writeCount() != 0 || len(fake.Requests()) != 0 {
		t.Fatalf("reply %q %v, writes %d, model calls %d", reply, err, ts.writeCount(), len(fake.Requests()))
	}
}
