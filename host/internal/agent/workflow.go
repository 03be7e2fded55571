package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/sanitize"
	"github.com/machina-go/machina/host/internal/trace"
)

// WorkflowAlarmToWorkOrder is the built-in workflow's name.
const WorkflowAlarmToWorkOrder = "alarm_to_workorder"

// Notify sends a notification text to the workflow's channel.
type Notify func(ctx context.Context, text string) error

// Target is where alarm notifications go: a channel plugin and chat.
type Target struct {
	Channel string
	ChatID  string
}

// WorkflowResult reports what alarm_to_workorder did.
type WorkflowResult struct {
	Skipped     string         `json:"skipped,omitempty"` // why nothing was drafted
	Draft       map[string]any `json:"draft,omitempty"`
	WorkOrderID string         `json:"work_order_id,omitempty"`
	Submitted   bool           `json:"submitted"`
	Pending     bool           `json:"pending_confirmation"`
	Notified    bool           `json:"notified"`
}

// OnAlarm runs alarm_to_workorder: look up the asset and its history, draft
// a corrective work order with the deterministic WO-AUTO id, notify the
// target, and submit it — through the same tools (so the sandbox gate
// applies), or, with confirmations on, as a proposal any member of the
// target chat confirms. An alarm id is handled once, also across restarts
// when the agent's state is saved (Restore): a run a stop interrupted
// resumes with the draft it recorded, whose deterministic id makes a
// second submission harmless.
func (a *Agent) OnAlarm(ctx context.Context, alarm abi.Alarm, target Target, notify Notify) (WorkflowResult, error) {
	ctx = trace.WithCall(ctx, trace.Call{ClientID: "workflow:" + WorkflowAlarmToWorkOrder, ConversationID: "alarm:" + alarm.ID})
	run, ok := a.beginAlarm(alarm.ID)
	if !ok {
		return WorkflowResult{Skipped: "alarm already handled"}, nil
	}
	res, err := a.runAlarm(ctx, alarm, run, target, notify)
	a.updateAlarm(alarm.ID, func(r *alarmRun) {
		r.running = false
		// A run cut short by a stopping host resumes after the restart;
		// any other failure is final (writes are never retried blindly).
		r.Done = err == nil || ctx.Err() == nil
	})
	return res, err
}

// resumedNote opens a notification repeated by a run resumed after a
// restart, which may have been sent before it.
const resumedNote = "(Machina restarted while handling this alarm; you may have received this already.)\n"

func (a *Agent) runAlarm(ctx context.Context, alarm abi.Alarm, run alarmRun, target Target, notify Notify) (WorkflowResult, error) {
	if alarm.Cleared || (alarm.Severity != abi.SeverityWarning && alarm.Severity != abi.SeverityCritical) {
		return WorkflowResult{Skipped: "trigger filter: only raised warning or critical alarms"}, nil
	}
	step := func(name string, f func(context.Context) error) error {
		ctx, sp := a.opts.Tracer.Start(ctx, trace.Entry{Action: "workflow_step", Connector: WorkflowAlarmToWorkOrder,
			Operation: name, AssetID: alarm.AssetID})
		err := f(ctx)
		sp.End(err)
		return err
	}
	args := run.Args
	if args == nil {
		var err error
		if args, err = a.draftWorkOrder(alarm, step); err != nil {
			return WorkflowResult{}, fmt.Errorf("%s: %w", WorkflowAlarmToWorkOrder, err)
		}
		a.updateAlarm(alarm.ID, func(r *alarmRun) { r.Args = args })
	}
	str := func(k string) string { v, _ := args[k].(string); return v }
	desc, priority := str("description"), abi.Priority(str("priority"))
	res := WorkflowResult{Draft: args, WorkOrderID: abi.AutoWorkOrderID(str("asset_id"), abi.TypeCorrective, priority, desc, "")}

	confirm := !a.opts.Sandbox && !a.opts.NoConfirmations
	if confirm {
		res.Pending = a.conf.Propose(target.Channel+":"+target.ChatID, anyUser,
			Pending{Tool: "machina_create_work_order", Args: args, Summary: describeWrite("machina_create_work_order", args)})
	} else if err := step("submit_work_order", func(ctx context.Context) error { return a.submitDraft(ctx, args, &res) }); err != nil {
		return res, fmt.Errorf("%s: %w", WorkflowAlarmToWorkOrder, err)
	}
	if notify != nil {
		var msg string
		switch {
		case res.Pending:
			msg = fmt.Sprintf("⚠ %s\nDrafted work order %s (%s priority). Reply \"yes\" to create it or \"no\" to discard.", desc, res.WorkOrderID, priority)
		case a.opts.Sandbox:
			msg = fmt.Sprintf("⚠ %s\nDrafted work order %s (%s priority) — sandbox mode: simulated, not created in the CMMS.", desc, res.WorkOrderID, priority)
		default:
			msg = fmt.Sprintf("⚠ %s\nCreated work order %s (%s priority).", desc, res.WorkOrderID, priority)
		}
		if run.Args != nil {
			msg = resumedNote + msg
		}
		err := step("notify_technician", func(ctx context.Context) error { return notify(ctx, msg) })
		res.Notified = err == nil
	}
	return res, nil
}

// draftWorkOrder looks up the alarm's asset and history and drafts the
// corrective work order's arguments.
func (a *Agent) draftWorkOrder(alarm abi.Alarm, step func(string, func(context.Context) error) error) (map[string]any, error) {
	var asset abi.Asset
	if err := step("analyze_alarm", func(ctx context.Context) error {
		text, isErr, err := a.opts.Tools.Call(ctx, "machina_get_asset", map[string]any{"asset_id": alarm.AssetID})
		if err != nil || isErr {
			return fmt.Errorf("asset %s: %s", alarm.AssetID, sanitize.SafeText(firstNonEmpty(text, fmt.Sprint(err))))
		}
		return json.Unmarshal([]byte(text), &asset)
	}); err != nil {
		return nil, err
	}
	history := 0
	_ = step("check_history", func(ctx context.Context) error { // on error: skip
		text, isErr, err := a.opts.Tools.Call(ctx, "machina_get_maintenance_history", map[string]any{"asset_id": asset.ID})
		if err != nil || isErr {
			return fmt.Errorf("history unavailable")
		}
		var list []any
		_ = json.Unmarshal([]byte(text), &list)
		history = len(list)
		return nil
	})
	priority := abi.PriorityMedium
	if alarm.Severity == abi.SeverityCritical {
		priority = abi.PriorityHigh
		if asset.Criticality == abi.CriticalityA {
			priority = abi.PriorityEmergency
		}
	} else if asset.Criticality == abi.CriticalityA {
		priority = abi.PriorityHigh
	}
	desc := fmt.Sprintf("%s alarm on %s (%s): %s = %g%s crossed threshold %g. %d past work orders in history. Inspect and correct.",
		strings.ToUpper(string(alarm.Severity)), asset.ID, asset.Name, alarm.Parameter, alarm.Value, unitSuffix(alarm.Unit), alarm.Threshold, history)
	return map[string]any{"asset_id": asset.ID, "description": desc, "priority": string(priority), "work_order_type": string(abi.TypeCorrective)}, nil
}

// submitDraft creates the drafted work order through the tool.
func (a *Agent) submitDraft(ctx context.Context, args map[string]any, res *WorkflowResult) error {
	text, isErr, err := a.opts.Tools.Call(ctx, "machina_create_work_order", args)
	if err != nil || isErr {
		return fmt.Errorf("create work order: %s", sanitize.SafeText(firstNonEmpty(text, fmt.Sprint(err))))
	}
	var wo map[string]any
	if json.Unmarshal([]byte(text), &wo) == nil {
		if id, _ := wo["id"].(string); id != "" && id != "WO-SANDBOX-0000" {
			res.WorkOrderID = id
		}
	}
	res.Submitted = true
	return nil
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}
