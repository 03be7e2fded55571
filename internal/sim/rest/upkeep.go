package rest

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/machina-go/machina/internal/sim/simhttp"
	"net/http"
	"strings"
	"time"
)

// upkeep speaks UpKeep API v2.
type upkeep struct{}

const upkeepAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// id returns a 10-character object id like UpKeep's ("Zn9KeS0Fhd").
func (upkeep) id(n int) string {
	b := make([]byte, 10)
	x := uint64(n)*2654435761 + 97
	for i := range b {
		b[i] = upkeepAlphabet[x%uint64(len(upkeepAlphabet))]
		x = x/uint64(len(upkeepAlphabet)) + uint64(i*31+n)
	}
	return string(b)
}

func (upkeep) statuses() []string     { return []string{"open", "inProgress", "onHold", "complete"} }
func (upkeep) kinds() []string        { return []string{"Damage", "Preventive", "Electrical", "Inspection"} }
func (upkeep) priorities() []any      { return []any{0, 1, 2, 3} }
func (upkeep) user(i int) string      { return []string{"LfGn43LMh3", "Lhhn43LMh3", "Nfhnt3LMh3"}[i%3] }
func (upkeep) cost(u float64) float64 { return u }

func (upkeep) authorized(r *http.Request, token string) bool {
	return r.Header.Get("Session-Token") == token
}

func (upkeep) unauthorized(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{"success": false, "message": "Unauthorized: invalid session token"})
}

func (d upkeep) route(s *Server, w http.ResponseWriter, r *http.Request) {
	p, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v2/")
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false, "message": "Not found"})
		return
	}
	switch {
	case p == "users" && r.Method == http.MethodGet:
		d.list(s, w, r, []map[string]any{{"id": d.user(0), "email": "tech@plant.example", "accountType": "ADMIN"}})
	case p == "assets" && r.Method == http.MethodGet:
		d.list(s, w, r, s.rows(func(m *Server) []map[string]any { return mapAll(m.assets, d.asset) }))
	case p == "parts" && r.Method == http.MethodGet:
		d.list(s, w, r, s.rows(func(m *Server) []map[string]any { return mapAll(m.parts, d.part) }))
	case p == "work-orders" && r.Method == http.MethodGet:
		d.list(s, w, r, s.rows(func(m *Server) []map[string]any { return mapAll(m.wos, d.workOrder) }))
	case p == "work-orders" && r.Method == http.MethodPost:
		d.create(s, w, r)
	default:
		d.record(s, w, r, p)
	}
}

// list answers {"success":true,"results":[…]} paged by offset and limit
// (or by the Paging option's style).
func (upkeep) list(s *Server, w http.ResponseWriter, r *http.Request, rows []map[string]any) {
	off, err := intParam(r, "offset", 0)
	limit, err2 := intParam(r, "limit", 100)
	if s.paging == "page" {
		var n int
		n, err = intParam(r, "page", 1)
		off = (n - 1) * limit
		if n < 1 {
			err = errf("page starts at 1")
		}
	}
	if err != nil || err2 != nil || limit == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": "offset, page and limit must be positive integers"})
		return
	}
	lo, hi, more := window(len(rows), off, limit)
	if s.paging == "link" && more {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(hi))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next", <%s?offset=0>; rel="first"`, simhttp.BaseURL(r), r.URL.Path, q.Encode(), r.URL.Path))
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "results": rows[lo:hi], "totalCount": len(rows)})
}

// record serves /assets/{id} and /work-orders/{id} (GET, PATCH).
func (d upkeep) record(s *Server, w http.ResponseWriter, r *http.Request, p string) {
	notFound := func() {
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false, "message": "Object not found"})
	}
	if id, rest, ok := pathID(p, "assets"); ok && rest == "" && r.Method == http.MethodGet {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := find(s.assets, func(a *asset) bool { return a.id == id }); a != nil {
			writeJSON(w, http.StatusOK, map[string]any{"success": true, "result": d.asset(a)})
			return
		}
		notFound()
		return
	}
	id, rest, ok := pathID(p, "work-orders")
	if !ok || rest != "" {
		notFound()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wo := find(s.wos, func(x *workOrder) bool { return x.id == id })
	switch {
	case wo == nil:
		notFound()
	case r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "result": d.workOrder(wo)})
	case r.Method == http.MethodPatch:
		d.patch(s, w, r, wo)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"success": false, "message": "Method not allowed"})
	}
}

// create handles POST /work-orders: title is required, priority 0-3.
func (d upkeep) create(s *Server, w http.ResponseWriter, r *http.Request) {
	body, err := decodeBody(r)
	if err == nil {
		err = d.validate(body, true)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	wo := &workOrder{id: s.newID(), status: "open", priority: 0, created: now, updated: now}
	d.apply(wo, body)
	s.wos = append(s.wos, wo)
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "result": d.workOrder(wo)})
}

// patch handles PATCH /work-orders/{id}; s.mu is held.
func (d upkeep) patch(_ *Server, w http.ResponseWriter, r *http.Request, wo *workOrder) {
	body, err := decodeBody(r)
	if err == nil {
		err = d.validate(body, false)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": err.Error()})
		return
	}
	d.apply(wo, body)
	wo.updated = time.Now().UTC()
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "result": d.workOrder(wo)})
}

func (d upkeep) validate(b map[string]any, create bool) error {
	if t, _ := b["title"].(string); create && strings.TrimSpace(t) == "" {
		return errf("title is required")
	}
	if v, ok := b["priority"]; ok {
		n, isNum := v.(json.Number)
		i, err := n.Int64()
		if !isNum || err != nil || i < 0 || i > 3 {
			return errf("priority must be an integer between 0 and 3")
		}
	}
	if v, ok := b["status"]; ok {
		st, _ := v.(string)
		if !contains(d.statuses(), st) {
			return errf("status must be one of open, onHold, inProgress, complete")
		}
	}
	return nil
}

func (upkeep) apply(wo *workOrder, b map[string]any) {
	str := func(k string, dst *string) {
		if v, ok := b[k].(string); ok {
			*dst = v
		}
	}
	str("title", &wo.title)
	str("description", &wo.description)
	str("status", &wo.status)
	str("category", &wo.kind)
	str("asset", &wo.assetID)
	str("assignedToUser", &wo.assignee)
	if n, ok := b["priority"].(json.Number); ok {
		i, _ := n.Int64()
		wo.priority = int(i)
	}
}

func (upkeep) asset(a *asset) map[string]any {
	m := map[string]any{"id": a.id, "name": a.name, "category": a.category, "model": a.model, "serial": a.serial,
		"location": a.location, "createdAt": "2024-11-04T09:12:00.000Z", "updatedAt": "2025-01-20T16:40:00.000Z"}
	if a.parent != "" {
		m["parentAsset"] = a.parent
	}
	return m
}

func (upkeep) part(p *part) map[string]any {
	m := map[string]any{"id": p.id, "name": p.name, "partNumber": p.number, "quantity": p.qty, "minimumQuantity": p.min,
		"cost": p.cost, "area": p.area}
	if len(p.assets) > 0 {
		m["assets"] = p.assets
	}
	return m
}

func (upkeep) workOrder(wo *workOrder) map[string]any {
	m := map[string]any{"id": wo.id, "title": wo.title, "description": wo.description, "status": wo.status,
		"priority": wo.priority, "category": wo.kind, "asset": wo.assetID, "workOrderNo": wo.id[:4],
		"createdAt": wo.created.Format("2006-01-02T15:04:05.000Z"), "updatedAt": wo.updated.Format("2006-01-02T15:04:05.000Z")}
	if wo.assignee != "" {
		m["assignedToUser"] = wo.assignee
	}
	return m
}
