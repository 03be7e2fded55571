package sap

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// notificationWritable are the properties a notification create may set
// (the reference's raw IW38 notification sends these three).
var notificationWritable = map[string]bool{"NotificationType": true, "Equipment": true, "NotificationText": true}

// notificationTypes are the types the simulated customising defines (SAP
// standard: M1 maintenance request, M2 malfunction report, M3 activity
// report).
var notificationTypes = map[string]bool{"M1": true, "M2": true, "M3": true}

// createNotification handles POST on API_MAINTNOTIFICATION/
// MaintenanceNotification (CSRF already checked): the equipment must exist,
// the type be defined; SAP numbers the notification.
func (s *Server) createNotification(r *http.Request, es *entitySet, out *bytes.Buffer) (int, string, *httpErr) {
	m, herr := readJSONBody(r)
	if herr != nil {
		return 0, "", herr
	}
	p, herr := stringProps(m, notificationWritable)
	if herr != nil {
		return 0, "", herr
	}
	if !notificationTypes[p["NotificationType"]] {
		return 0, "", errf(400, "IM/012", "Notification type %s is not defined", truncate(p["NotificationType"], 10))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	eqs, _ := s.cat.byID(SetEquipment)
	if s.find(eqs, map[string]string{"Equipment": p["Equipment"]}) == nil {
		return 0, "", errf(400, "IM/021", "Equipment %s does not exist", truncate(p["Equipment"], 40))
	}
	rec := record{}
	for k, v := range p {
		if strings.TrimSpace(v) != "" {
			rec[k] = v
		}
	}
	id := fmt.Sprint(10000900 + len(s.data.records[es.id()]))
	rec["MaintenanceNotification"] = id
	rec["NotificationCreationDate"] = s.now().UTC()
	rec["MaintNotifInternalStatus"] = "1"
	s.data.records[es.id()] = append(s.data.records[es.id()], rec)
	s.n.WritesDone.Add(1)
	return http.StatusCreated, s.uri(r, es, rec), encode(out, s.entityBody(r, es, rec, nil, nil))
}
