package rest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maintainx speaks the MaintainX REST API v1.
type maintainx struct{}

func (maintainx) id(n int) string { return strconv.Itoa(900 + n) }
func (maintainx) statuses() []string {
	return []string{"OPEN", "IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED", "SKIPPED"}
}
func (maintainx) kinds() []string        { return []string{"REACTIVE", "PREVENTIVE", "OTHER"} }
func (maintainx) priorities() []any      { return []any{"NONE", "LOW", "MEDIUM", "HIGH"} }
func (maintainx) user(i int) string      { return []string{"23494", "79808", "851"}[i%3] }
func (maintainx) cost(u float64) float64 { return float64(int(u * 100)) } // cents

func (maintainx) authorized(r *http.Request, token string) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "bearer") && tok == token
}

func (maintainx) unauthorized(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized"})
}

func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{"error": msg}}})
}

func (d maintainx) route(s *Server, w http.ResponseWriter, r *http.Request) {
	p, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v1/")
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Not Found."})
		return
	}
	q := r.URL.Query()
	switch {
	case p == "users" && r.Method == http.MethodGet:
		d.list(w, r, "users", []map[string]any{{"id": 23494, "email": "tech@plant.example"}})
	case p == "assets" && r.Method == http.MethodGet:
		d.list(w, r, "assets", s.rows(func(m *Server) []map[string]any {
			return mapAll(m.assets, func(a *asset) map[string]any { return d.asset(a, q["expand"]) })
		}))
	case p == "parts" && r.Method == http.MethodGet:
		d.list(w, r, "parts", s.rows(func(m *Server) []map[string]any { return mapAll(m.parts, d.part) }))
	case p == "workorders" && r.Method == http.MethodGet:
		rows, err := d.workOrders(s, q)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		d.list(w, r, "workOrders", rows)
	case p == "workorders" && r.Method == http.MethodPost:
		d.create(s, w, r)
	default:
		d.record(s, w, r, p)
	}
}

// list answers {"<key>":[…],"nextCursor":…,"nextPageUrl":…} paged by an
// opaque cursor and limit (1-200, default 100).
func (maintainx) list(w http.ResponseWriter, r *http.Request, key string, rows []map[string]any) {
	limit, err := intParam(r, "limit", 100)
	if err != nil || limit < 1 || limit > 200 {
		badRequest(w, "limit must be an integer between 1 and 200")
		return
	}
	off := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if off, err = strconv.Atoi(strings.TrimPrefix(string(b), "o:")); err != nil || !strings.HasPrefix(string(b), "o:") {
			badRequest(w, "invalid cursor")
			return
		}
	}
	lo, hi, more := window(len(rows), off, limit)
	out := map[string]any{key: rows[lo:hi], "nextCursor": nil, "nextPageUrl": nil}
	if more {
		c := base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(hi)))
		next := r.URL.Query()
		next.Set("cursor", c)
		out["nextCursor"], out["nextPageUrl"] = c, r.URL.Path+"?"+next.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// workOrders filters by assets= and statuses= (repeatable), as documented;
// asset ids are integers and statuses enum values, or the request is 400.
func (d maintainx) workOrders(s *Server, q url.Values) ([]map[string]any, error) {
	for _, a := range q["assets"] {
		if _, err := strconv.Atoi(a); err != nil {
			return nil, errf("assets: %q is not an integer", a)
		}
	}
	for _, st := range q["statuses"] {
		if !contains(d.statuses(), st) {
			return nil, errf("statuses: %q is not one of %s", st, strings.Join(d.statuses(), ", "))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, wo := range s.wos {
		if (len(q["assets"]) == 0 || slices.Contains(q["assets"], wo.assetID)) && (len(q["statuses"]) == 0 || slices.Contains(q["statuses"], wo.status)) {
			out = append(out, d.workOrder(s, wo, q["expand"]))
		}
	}
	return out, nil
}

// record serves /assets/{id}, /workorders/{id} (GET, PATCH) and
// /workorders/{id}/status (PATCH).
func (d maintainx) record(s *Server, w http.ResponseWriter, r *http.Request, p string) {
	notFound := func() { writeJSON(w, http.StatusNotFound, map[string]any{"error": "Not Found."}) }
	expand := r.URL.Query()["expand"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, rest, ok := pathID(p, "assets"); ok && rest == "" && r.Method == http.MethodGet {
		if a := find(s.assets, func(a *asset) bool { return a.id == id }); a != nil {
			writeJSON(w, http.StatusOK, map[string]any{"asset": d.asset(a, expand)})
			return
		}
		notFound()
		return
	}
	id, rest, ok := pathID(p, "workorders")
	wo := find(s.wos, func(x *workOrder) bool { return ok && x.id == id })
	switch {
	case wo == nil:
		notFound()
	case rest == "" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"workOrder": d.workOrder(s, wo, expand)})
	case rest == "" && r.Method == http.MethodPatch:
		d.patch(s, w, r, wo, false)
	case rest == "status" && r.Method == http.MethodPatch:
		d.patch(s, w, r, wo, true)
	default:
		notFound()
	}
}

// create handles POST /workorders and answers {"id"} only.
func (d maintainx) create(s *Server, w http.ResponseWriter, r *http.Request) {
	body, err := decodeBody(r)
	if err == nil {
		err = d.validate(body, true, false)
	}
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	wo := &workOrder{id: s.newID(), status: "OPEN", priority: "NONE", kind: "OTHER", created: now, updated: now}
	d.apply(wo, body)
	s.wos = append(s.wos, wo)
	n, _ := strconv.Atoi(wo.id)
	writeJSON(w, http.StatusOK, map[string]any{"id": n})
}

// patch applies PATCH /workorders/{id} (status refused: it has its own
// endpoint) or /workorders/{id}/status; s.mu is held.
func (d maintainx) patch(s *Server, w http.ResponseWriter, r *http.Request, wo *workOrder, status bool) {
	body, err := decodeBody(r)
	if err == nil {
		err = d.validate(body, false, status)
	}
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	d.apply(wo, body)
	wo.updated = time.Now().UTC()
	writeJSON(w, http.StatusOK, map[string]any{"workOrder": d.workOrder(s, wo, []string{"asset", "assignees"})})
}

func (d maintainx) validate(b map[string]any, create, status bool) error {
	if status {
		st, _ := b["status"].(string)
		if len(b) != 1 || !contains(d.statuses()[:5], st) {
			return errf("status must be one of OPEN, IN_PROGRESS, ON_HOLD, DONE, CANCELED")
		}
		return nil
	}
	if _, ok := b["status"]; ok {
		return errf("status is changed with PATCH /workorders/{id}/status")
	}
	if t, _ := b["title"].(string); create && strings.TrimSpace(t) == "" {
		return errf("title is required")
	}
	if v, ok := b["priority"]; ok && !contains([]string{"NONE", "LOW", "MEDIUM", "HIGH"}, str(v)) {
		return errf("priority must be one of NONE, LOW, MEDIUM, HIGH")
	}
	if v, ok := b["type"]; ok && !contains([]string{"OTHER", "REACTIVE", "PREVENTIVE"}, str(v)) {
		return errf("type must be one of OTHER, REACTIVE, PREVENTIVE")
	}
	if v, ok := b["assetId"]; ok {
		if n, isNum := v.(json.Number); !isNum || strings.ContainsAny(n.String(), ".eE") {
			return errf("assetId must be an integer")
		}
	}
	if v, ok := b["assignees"]; ok {
		list, isList := v.([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			if m == nil || (str(m["type"]) != "USER" && str(m["type"]) != "TEAM") || m["id"] == nil {
				isList = false
			}
		}
		if !isList {
			return errf("assignees must be a list of {type: USER|TEAM, id}")
		}
	}
	return nil
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

func (maintainx) apply(wo *workOrder, b map[string]any) {
	for k, dst := range map[string]*string{"title": &wo.title, "description": &wo.description, "status": &wo.status, "type": &wo.kind, "assetId": &wo.assetID} {
		if v, ok := b[k]; ok {
			*dst = str(v)
		}
	}
	if v, ok := b["priority"]; ok {
		wo.priority = str(v)
	}
	if list, ok := b["assignees"].([]any); ok {
		wo.assignee = ""
		if len(list) > 0 {
			wo.assignee = str(list[0].(map[string]any)["id"])
		}
	}
}

func num(id string) any {
	if n, err := strconv.Atoi(id); err == nil {
		return n
	}
	return id
}

func (maintainx) asset(a *asset, expand []string) map[string]any {
	m := map[string]any{"id": num(a.id), "name": a.name, "description": nil, "parentId": nil, "criticalityId": a.criticalityID,
		"locationId": 300 + int(a.location[len(a.location)-1]-'A'), "serialNumber": a.serial,
		"createdAt": "2024-11-04T09:12:00.000Z", "updatedAt": "2025-01-20T16:40:00.000Z", "creatorId": 851}
	if a.parent != "" {
		m["parentId"] = num(a.parent)
	}
	if slices.Contains(expand, "asset_types") {
		m["assetTypes"] = []string{a.category}
	}
	if slices.Contains(expand, "manufacturer") {
		m["manufacturer"] = a.manufacturer
	}
	if slices.Contains(expand, "model") {
		m["model"] = a.model
	}
	return m
}

func (maintainx) part(p *part) map[string]any {
	return map[string]any{"id": num(p.id), "name": p.name, "description": "", "barcode": p.number, "area": p.area,
		"unitCost": int(p.cost), "availableQuantity": int(p.qty), "minimumQuantity": int(p.min), "orderedQuantity": 0,
		"reservedQuantity": 0, "partTypes": []string{}, "createdAt": "2024-11-04T09:12:00.000Z", "updatedAt": "2025-01-20T16:40:00.000Z"}
}

// workOrder renders one; the asset and assignees appear only with expand=
// (s.mu is held).
func (d maintainx) workOrder(s *Server, wo *workOrder, expand []string) map[string]any {
	n, _ := strconv.Atoi(wo.id)
	m := map[string]any{"id": n, "sequentialId": n - 900, "title": wo.title, "description": wo.description, "status": wo.status,
		"priority": wo.priority, "type": wo.kind, "organizationId": 42, "creatorId": 851,
		"createdAt": wo.created.Format("2006-01-02T15:04:05.000Z"), "updatedAt": wo.updated.Format("2006-01-02T15:04:05.000Z")}
	if slices.Contains(expand, "asset") {
		m["asset"] = nil
		if a := find(s.assets, func(a *asset) bool { return a.id == wo.assetID }); a != nil {
			m["asset"] = d.asset(a, nil)
		}
	}
	if slices.Contains(expand, "assignees") {
		as := []map[string]any{}
		if wo.assignee != "" {
			as = append(as, map[string]any{"type": "USER", "id": num(wo.assignee)})
		}
		m["assignees"] = as
	}
	return m
}
