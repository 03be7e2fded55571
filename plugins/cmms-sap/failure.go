package main

import (
	"context"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// setNotification is the notification entity set of API_MAINTNOTIFICATION.
const setNotification = "MaintenanceNotification"

// notificationBatch is how many notifications one read asks for.
const notificationBatch = 20

func (s *sapPM) notificationPath() string { return s.path(s.cfg.NotificationService, setNotification) }

// notificationExpand expands a notification's items and their causes, in
// the dialect of the protocol version in use.
func (s *sapPM) notificationExpand() string {
	if s.version() == odataV4 {
		return "to_Item($expand=to_ItemCause)"
	}
	return "to_Item,to_Item/to_ItemCause"
}

// attachFailureData fills the failure mode and cause of orders that link
// a maintenance notification, from the notification's damage and cause
// codes (SAP keeps failure data there, not on the order). A notification
// that cannot be read leaves the order without failure data, says so in
// metadata.failure_data and warns once; the order itself is still
// returned.
func (s *sapPM) attachFailureData(ctx context.Context, orders []abi.WorkOrder) {
	if s.cfg.FailureData != nil && !*s.cfg.FailureData {
		return
	}
	var ids []string
	seen := map[string]bool{}
	for _, w := range orders {
		if id, _ := w.Metadata["MaintenanceNotification"].(string); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found := map[string]notificationFailure{}
	failed := map[string]string{}
	for len(ids) > 0 {
		batch := ids[:min(notificationBatch, len(ids))]
		ids = ids[len(batch):]
		rows, _, err := s.collect(ctx, query{path: s.notificationPath(), filter: new(filter).in("MaintenanceNotification", "notification", batch), expand: s.notificationExpand()})
		if err != nil {
			msg := abi.AsError(err).Message
			pdk.Log(ctx, abi.LogWarn, "failure data unavailable: reading maintenance notifications failed: "+msg, nil)
			for _, id := range batch {
				failed[id] = msg
			}
			continue
		}
		for _, r := range rows {
			if nf, ok := readNotification(r); ok {
				found[nf.id] = nf
			}
		}
	}
	for i := range orders {
		w := &orders[i]
		id, _ := w.Metadata["MaintenanceNotification"].(string)
		switch nf, ok := found[id]; {
		case id == "":
		case ok:
			w.FailureMode, w.FailureCause = nf.damage, nf.cause
			if len(nf.failure) > 0 {
				w.Metadata["failure"] = nf.failure
			}
			w.Metadata["notification"] = nf.header
		case failed[id] != "":
			w.Metadata["failure_data"] = "unavailable: " + failed[id]
		default:
			w.Metadata["failure_data"] = "notification " + id + " not found"
		}
	}
}

// notificationFailure is what an order takes from its notification.
type notificationFailure struct {
	id            string
	damage, cause string
	failure       map[string]any
	header        map[string]any
}

// readNotification reads a notification with its items and causes
// expanded: the first item with a damage code gives the failure mode and
// object part, the first cause code (of that item, else of any item) the
// failure cause. Deleted items and causes are skipped.
func readNotification(row map[string]any) (notificationFailure, bool) {
	f := fields(row)
	nf := notificationFailure{id: f.take("MaintenanceNotification"), failure: map[string]any{}, header: map[string]any{}}
	if nf.id == "" {
		return nf, false
	}
	nf.header["id"] = nf.id
	for key, prop := range map[string]string{
		"type": "NotificationType", "processing_phase": "NotifProcessingPhase", "processing_phase_text": "NotifProcessingPhaseDesc",
		"downtime": "MaintObjectDowntimeDuration", "downtime_unit": "MaintObjDowntimeDurationUnit", "text": "NotificationText",
	} {
		if v := pdk.Scalar(f[prop]); v != "" {
			nf.header[key] = v
		}
	}
	if down, ok := f["MaintenanceObjectIsDown"].(bool); ok {
		nf.header["object_is_down"] = down
	}
	items := entities(f["to_Item"])
	var causes []map[string]any
	for _, it := range items {
		if deleted(it) {
			continue
		}
		if nf.damage == "" && pdk.Scalar(it["MaintNotificationDamageCode"]) != "" {
			nf.damage = pdk.Scalar(it["MaintNotificationDamageCode"])
			copyCodes(nf.failure, it, map[string]string{
				"damage_code": "MaintNotificationDamageCode", "damage_code_group": "MaintNotifDamageCodeGroup",
				"damage_text": "MaintNotifDamageCodeName", "damage_group_text": "MaintNotifDamageCodeGroupName",
				"object_part_code": "MaintNotifObjPrtCode", "object_part_code_group": "MaintNotifObjPrtCodeGroup",
				"object_part_text": "MaintNotifObjPrtCodeName",
			})
			causes = append(entities(it["to_ItemCause"]), causes...)
			continue
		}
		causes = append(causes, entities(it["to_ItemCause"])...)
	}
	for _, c := range causes {
		if !deleted(c) && pdk.Scalar(c["MaintNotificationCauseCode"]) != "" {
			nf.cause = pdk.Scalar(c["MaintNotificationCauseCode"])
			copyCodes(nf.failure, c, map[string]string{
				"cause_code": "MaintNotificationCauseCode", "cause_code_group": "MaintNotifCauseCodeGroup",
				"cause_text": "MaintNotificationCauseCodeName", "cause_group_text": "MaintNotifCauseCodeGroupName",
			})
			break
		}
	}
	return nf, true
}

// entities reads an expanded to-many navigation property: v2
// {"results":[…]} or v4 […].
func entities(v any) []map[string]any {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case map[string]any:
		list, _ = x["results"].([]any)
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func deleted(e map[string]any) bool { b, _ := e["IsDeleted"].(bool); return b }

// copyCodes copies the non-empty properties named in props into dst.
func copyCodes(dst, src map[string]any, props map[string]string) {
	for key, prop := range props {
		if v := pdk.Scalar(src[prop]); v != "" {
			dst[key] = v
		}
	}
}
