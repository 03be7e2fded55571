package sap

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func readJSONBody(r *http.Request) (map[string]any, *httpErr) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	if ct != "application/json" {
		return nil, errf(415, "/IWBEP/CM_MGW_RT/005", "Content-Type must be application/json, got %q", truncate(ct, 40))
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, errf(400, "/IWBEP/CM_MGW_RT/030", "reading body: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errf(400, "/IWBEP/CM_MGW_RT/030", "The request body is not a JSON object")
	}
	if d, ok := m["d"].(map[string]any); ok && len(m) == 1 {
		m = d // v2 clients may wrap the entity in "d"
	}
	return m, nil
}

var priorities = map[string]bool{"1": true, "2": true, "3": true, "4": true}

// stringProps checks that every property is writable and a string.
func stringProps(m map[string]any, writable map[string]bool) (map[string]string, *httpErr) {
	out := map[string]string{}
	for k, v := range m {
		if k == "__metadata" {
			continue
		}
		if !writable[k] {
			return nil, errf(400, "/IWBEP/CM_MGW_RT/031", "Property %s cannot be written", truncate(k, 60))
		}
		sv, ok := v.(string)
		if !ok {
			return nil, errf(400, "/IWBEP/CM_MGW_RT/032", "Property %s must be an Edm.String", truncate(k, 60))
		}
		out[k] = sv
	}
	return out, nil
}

// createWritable are the properties a create may set (a subset of the
// published create schema; it has no status field).
var createWritable = map[string]bool{"MaintenanceOrderDesc": true, "Equipment": true, "MaintenanceOrderType": true, "MaintPriority": true,
	"MaintOrdPersonResponsible": true, "MaintenanceActivityType": true, "MainWorkCenter": true}

func (s *Server) create(r *http.Request, es *entitySet, out *bytes.Buffer) (int, string, *httpErr) {
	m, herr := readJSONBody(r)
	if herr != nil {
		return 0, "", herr
	}
	p, herr := stringProps(m, createWritable)
	if herr != nil {
		return 0, "", herr
	}
	if strings.TrimSpace(p["MaintenanceOrderDesc"]) == "" {
		return 0, "", errf(400, "IW/080", "Enter a short text (MaintenanceOrderDesc)")
	}
	if p["MaintenanceOrderType"] == "" {
		return 0, "", errf(400, "IW/017", "Enter an order type (MaintenanceOrderType)")
	}
	if !s.shape.orderTypes[p["MaintenanceOrderType"]] {
		return 0, "", errf(400, "IW/017", "Order type %s is not defined", truncate(p["MaintenanceOrderType"], 10))
	}
	if p["MaintPriority"] == "" {
		p["MaintPriority"] = "3"
	}
	if !priorities[p["MaintPriority"]] {
		return 0, "", errf(400, "IW/019", "Priority %s is not defined", truncate(p["MaintPriority"], 10))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	eqs, _ := s.cat.byID(SetEquipment)
	eq := s.find(eqs, map[string]string{"Equipment": p["Equipment"]})
	if eq == nil {
		return 0, "", errf(400, "IW/021", "Equipment %s does not exist", truncate(p["Equipment"], 40))
	}
	now := s.now().UTC()
	rec := record{}
	for k, v := range p {
		if v != "" {
			rec[k] = v
		}
	}
	rec["MaintenanceOrder"] = strconv.Itoa(s.data.nextOrder)
	s.data.nextOrder++
	rec["SystemStatusText"] = statusText([]string{"CRTD"})
	rec["UserStatusText"] = ""
	rec["EquipmentName"] = eq["EquipmentName"]
	rec["FunctionalLocation"] = eq["FunctionalLocation"]
	rec["MaintenancePlanningPlant"] = eq["MaintenancePlanningPlant"]
	rec["MaintOrdBasicStartDate"] = now.Truncate(24 * time.Hour)
	rec["MaintOrdBasicEndDate"] = now.Truncate(24*time.Hour).AddDate(0, 0, 1)
	rec["LastChangeDateTime"] = now
	s.data.records[es.id()] = append(s.data.records[es.id()], rec)
	s.n.WritesDone.Add(1)
	return http.StatusCreated, s.uri(r, es, rec), encode(out, s.entityBody(r, es, rec, nil, nil))
}

// updateWritable are the properties a PATCH may set. The status is
// written as the reference does, through MaintenanceOrderSystemStatus;
// SAP's published update schema has no status field (status changes are
// not plain PATCHes there), so this is the simulator's concession to the
// reference's write path, in every shape.
var updateWritable = map[string]bool{"MaintenanceOrderDesc": true, "MaintOrdPersonResponsible": true, legacyStatus: true,
	"MaintPriority": true, "MainWorkCenter": true, "MaintenanceActivityType": true}

// statusRank orders system statuses; the most progressed one wins.
var statusRank = map[string]int{"CRTD": 1, "REL": 2, "PCNF": 3, "CNF": 4, "TECO": 5, "CLSD": 6, "DLFL": 7}

// statusMoves are the system-status changes the simulator allows
// (mirroring Machina's work-order life cycle).
var statusMoves = map[string][]string{
	"CRTD": {"REL", "DLFL"},
	"REL":  {"PCNF", "DLFL"},
	"PCNF": {"CNF", "DLFL"},
	"CNF":  {"TECO"},
	"TECO": {"CLSD"},
}

// effectiveStatus returns the most progressed system status in a compound
// status string.
func effectiveStatus(compound string) string {
	best := ""
	for _, t := range strings.Fields(compound) {
		if statusRank[t] > statusRank[best] {
			best = t
		}
	}
	return best
}

func (s *Server) update(r *http.Request, es *entitySet, key string) (int, *httpErr) {
	m, herr := readJSONBody(r)
	if herr != nil {
		return 0, herr
	}
	p, herr := stringProps(m, updateWritable)
	if herr != nil {
		return 0, herr
	}
	if len(p) == 0 {
		return 0, errf(400, "/IWBEP/CM_MGW_RT/033", "The request changes no property")
	}
	if v, ok := p["MaintPriority"]; ok && !priorities[v] {
		return 0, errf(400, "IW/019", "Priority %s is not defined", truncate(v, 10))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.find(es, map[string]string{es.keys[0]: key})
	if rec == nil {
		return 0, errf(404, "/IWBEP/CM_MGW_RT/020", "Resource not found for segment '%s'", es.name)
	}
	switch im := r.Header.Get("If-Match"); {
	case im == "" && s.ifMatch:
		return 0, errf(428, "/IWBEP/CM_MGW_RT/025", "Precondition required: send If-Match with the entity's ETag")
	case im != "" && im != "*" && im != etag(rec):
		return 0, errf(412, "/IWBEP/CM_MGW_RT/026", "Precondition failed: order %s was changed by another user", key)
	}
	if to, ok := p[legacyStatus]; ok {
		delete(p, legacyStatus)
		cur := scalarString(rec["SystemStatusText"])
		from := effectiveStatus(cur)
		if _, known := statusRank[to]; !known {
			return 0, errf(400, "BS/013", "System status %s is not a valid target status", truncate(to, 10))
		}
		if to != from {
			allowed := false
			for _, t := range statusMoves[from] {
				allowed = allowed || t == to
			}
			if !allowed {
				return 0, errf(400, "BS/007", "Order %s: status %s cannot be set from %s", key, to, from)
			}
			var toks []string
			for _, t := range strings.Fields(cur) {
				if (to == "REL" && t == "CRTD") || (to == "CNF" && t == "PCNF") {
					continue
				}
				toks = append(toks, t)
			}
			rec["SystemStatusText"] = statusText(append(toks, to))
		}
	}
	for k, v := range p {
		if v == "" {
			delete(rec, k)
			continue
		}
		rec[k] = v
	}
	rec["LastChangeDateTime"] = s.now().UTC()
	s.n.WritesDone.Add(1)
	return http.StatusNoContent, nil
}
