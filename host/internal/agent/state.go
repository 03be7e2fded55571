package agent

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/machina-go/machina/host/internal/durable"
)

// The agent's durable state: the pending write proposals (the two-turn
// confirmations) and what alarm_to_workorder did for each alarm, in one
// JSON document written atomically after every change (durable.WriteJSON),
// so that a restart neither drops a technician's pending "yes" nor drafts
// a second work order for an alarm it handled. Conversation histories stay
// in memory (as in the reference).

// Bounds of the saved state.
const (
	maxAlarmRuns    = 1000               // finished alarm runs kept
	alarmRunRetain  = 7 * 24 * time.Hour // … for at most this long
	expiredProposal = 24 * time.Hour     // an expired proposal is still reported as expired this long
)

// alarmRun is what alarm_to_workorder did for one alarm.
type alarmRun struct {
	AlarmID string `json:"alarm_id"`
	// Args is the drafted work order, recorded before it is submitted or
	// proposed: a run resumed after a crash submits exactly this draft
	// again (same deterministic id, so the CMMS's idempotent create
	// writes nothing twice).
	Args map[string]any `json:"args,omitempty"`
	// Done is set when the run finished (or failed for good).
	Done bool      `json:"done"`
	At   time.Time `json:"at"`
	// running is set while a run is in progress in this process.
	running bool
}

// savedState is the state file.
type savedState struct {
	Version   int             `json:"version"`
	Proposals []savedProposal `json:"proposals"`
	Alarms    []alarmRun      `json:"alarms"`
}

// stateFile is where the agent saves its state (no path: memory only).
type stateFile struct {
	mu   sync.Mutex // serialises saves, so the file never goes back in time
	path string
}

// Restored is what Restore read back.
type Restored struct {
	// Proposals pending (or recently expired) confirmations.
	Proposals int
	// Alarms handled or being handled; Unfinished of them were interrupted
	// by the stop and resume when their alarm is handed in again.
	Alarms, Unfinished int
}

// Restore loads the agent's state from path (nothing when it does not
// exist) and from then on saves it there after every change. Call it once,
// before the agent handles anything.
func (a *Agent) Restore(path string) (Restored, error) {
	var saved savedState
	if _, err := durable.ReadJSON(path, &saved); err != nil {
		return Restored{}, fmt.Errorf("agent state: %w", err)
	}
	now := a.conf.now()
	var keep []savedProposal
	for _, p := range saved.Proposals {
		if now.Sub(p.Pending.Expires) < expiredProposal {
			keep = append(keep, p)
		}
	}
	a.conf.restore(keep)
	r := Restored{Proposals: len(keep)}
	a.mu.Lock()
	for _, run := range saved.Alarms {
		if run.AlarmID == "" {
			continue
		}
		a.alarms[run.AlarmID] = &run
		r.Alarms++
		if !run.Done {
			r.Unfinished++
		}
	}
	a.mu.Unlock()
	a.state.mu.Lock()
	a.state.path = path
	a.state.mu.Unlock()
	return r, a.saveState()
}

// save saves the state, logging a failure (the state still holds in
// memory; only a restart on top of it loses the change).
func (a *Agent) save() {
	if err := a.saveState(); err != nil {
		a.opts.Logger.Error("agent state not saved: a restart now would lose pending confirmations", "error", err)
	}
}

func (a *Agent) saveState() error {
	a.state.mu.Lock()
	defer a.state.mu.Unlock()
	if a.state.path == "" {
		return nil
	}
	out := savedState{Version: 1, Proposals: a.conf.snapshot(), Alarms: a.alarmSnapshot()}
	if err := durable.WriteJSON(a.state.path, out); err != nil {
		return fmt.Errorf("agent state: %w", err)
	}
	return nil
}

// alarmSnapshot prunes old finished runs and lists the rest, oldest first.
func (a *Agent) alarmSnapshot() []alarmRun {
	a.mu.Lock()
	defer a.mu.Unlock()
	cutoff := a.conf.now().Add(-alarmRunRetain)
	out := make([]alarmRun, 0, len(a.alarms))
	for id, r := range a.alarms {
		if r.Done && r.At.Before(cutoff) {
			delete(a.alarms, id)
			continue
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	for extra := len(out) - maxAlarmRuns; extra > 0 && len(out) > 0; {
		i := 0
		for i < len(out) && !out[i].Done {
			i++
		}
		if i == len(out) {
			break
		}
		delete(a.alarms, out[i].AlarmID)
		out = append(out[:i], out[i+1:]...)
		extra--
	}
	return out
}

// beginAlarm claims an alarm for a run of the workflow. ok is false when
// the alarm was handled or is being handled; a run a stop interrupted is
// returned with its draft (Args) to resume.
func (a *Agent) beginAlarm(id string) (run alarmRun, ok bool) {
	a.mu.Lock()
	r, found := a.alarms[id]
	if found && (r.Done || r.running) {
		a.mu.Unlock()
		return alarmRun{}, false
	}
	if !found {
		r = &alarmRun{AlarmID: id, At: a.conf.now()}
		a.alarms[id] = r
	}
	r.running = true
	run = *r
	a.mu.Unlock()
	if !found {
		a.save()
	}
	return run, true
}

// updateAlarm changes an alarm's run and saves the state.
func (a *Agent) updateAlarm(id string, f func(*alarmRun)) {
	a.mu.Lock()
	if r := a.alarms[id]; r != nil {
		f(r)
	}
	a.mu.Unlock()
	a.save()
}
