package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/machina-go/machina/host/internal/inbox"
	"github.com/machina-go/machina/host/internal/sensor"
)

// The host's durable state lives in <data_dir>/state (issue #22): the
// inbox ledger of incoming messages, the active alarms, and the agent's
// pending confirmations and alarm workflow runs. Each file is written so
// that a crash at any instant leaves the old content or the new (package
// durable); a file that does not parse stops the host with its path rather
// than silently forgetting what it held.

// statePath is the path of a state file.
func (a *App) statePath(name string) string { return filepath.Join(a.Config.DataDir, "state", name) }

// openInbox opens the ledger of incoming messages (state/inbox.jsonl),
// which keeps a message delivered again after a restart from being
// answered twice.
func (a *App) openInbox() (*inbox.Ledger, error) {
	path := a.statePath("inbox.jsonl")
	ledger, rec, err := inbox.Open(inbox.Options{Path: path})
	if err != nil {
		return nil, fmt.Errorf("messaging: %w", err)
	}
	if rec.TornBytes > 0 || rec.Corrupt > 0 {
		a.Logger.Warn("inbox ledger recovered after a crash", "path", path, "records", rec.Records,
			"torn_bytes", rec.TornBytes, "corrupt_lines", rec.Corrupt)
	}
	a.closers = append(a.closers, func() { _ = ledger.Close() })
	return ledger, nil
}

// openAlarms creates the alarm store of the sensor connectors; a host with
// sensors keeps it in state/alarms.json, so active alarms (id, since,
// value, acknowledgement) and their history survive a restart.
func (a *App) openAlarms() error {
	a.Alarms = sensor.NewAlarmStore(1000, func(ev sensor.AlarmEvent) {
		a.Metrics.Alarm(string(ev.Kind), string(ev.Alarm.Severity))
	})
	if !a.Parts.Has(OPCUA) && !a.Parts.Has(MQTT) {
		return nil
	}
	path := a.statePath("alarms.json")
	n, err := a.Alarms.Persist(path)
	if err != nil {
		return err
	}
	if n > 0 {
		a.Logger.Info("active alarms restored", "path", path, "active", n)
	}
	return nil
}

// restoreAgent loads the agent's pending confirmations and alarm workflow
// runs (state/agent.json) and saves them there from now on.
func (a *App) restoreAgent() error {
	path := a.statePath("agent.json")
	r, err := a.Agent.Restore(path)
	if err != nil {
		return err
	}
	if r.Proposals > 0 || r.Unfinished > 0 {
		a.Logger.Info("agent state restored", "path", path, "pending_confirmations", r.Proposals,
			"alarm_runs", r.Alarms, "interrupted_runs", r.Unfinished)
	}
	return nil
}

// resumeAlarms hands the alarms active at start (restored from disk) to
// the workflow: it skips those it handled before the restart and finishes
// a run the stop interrupted, or runs it for an alarm raised just before
// the crash.
func (a *App) resumeAlarms(ctx context.Context) {
	for _, al := range a.Alarms.Active("") {
		if ctx.Err() != nil {
			return
		}
		_, _ = a.HandleAlarm(ctx, al)
	}
}
