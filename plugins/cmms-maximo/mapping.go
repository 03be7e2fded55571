package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
)

// Maximo work order codes ↔ domain values. The reverse maps are the exact
// inverses; unknown domain values fall back to WAPPR / 3 / CM.
var (
	woStatusFromMaximo = map[string]abi.Status{
		"WAPPR": abi.StatusCreated, "APPR": abi.StatusAssigned, "INPRG": abi.StatusInProgress,
		"COMP": abi.StatusCompleted, "CLOSE": abi.StatusClosed, "CAN": abi.StatusCancelled,
	}
	woPriorityFromMaximo = map[int]abi.Priority{1: abi.PriorityEmergency, 2: abi.PriorityHigh, 3: abi.PriorityMedium, 4: abi.PriorityLow}
	woTypeFromMaximo     = map[string]abi.WorkOrderType{
		"CM": abi.TypeCorrective, "PM": abi.TypePreventive, "CP": abi.TypePredictive, "EV": abi.TypeImprovement,
	}
	woStatusToMaximo   = invert(woStatusFromMaximo)
	woPriorityToMaximo = invert(woPriorityFromMaximo)
	woTypeToMaximo     = invert(woTypeFromMaximo)
)

func invert[K, V comparable](m map[K]V) map[V]K {
	out := make(map[V]K, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// statusCode returns the Maximo status for s (WAPPR when unknown).
func statusCode(s abi.Status) string {
	if c, ok := woStatusToMaximo[s]; ok {
		return c
	}
	return "WAPPR"
}

// priorityCode returns the Maximo wopriority for p (3 when unknown).
func priorityCode(p abi.Priority) int {
	if c, ok := woPriorityToMaximo[p]; ok {
		return c
	}
	return 3
}

// worktypeCode returns the Maximo worktype for t (CM when unknown).
func worktypeCode(t abi.WorkOrderType) string {
	if c, ok := woTypeToMaximo[t]; ok {
		return c
	}
	return "CM"
}

// fields consumes a Maximo record in place: each read removes the key, so
// what is left is the metadata (no second map per record).
type fields struct {
	m map[string]any
}

func newFields(m map[string]any) *fields { return &fields{m: m} }

// peek returns a string attribute without consuming it.
func (f *fields) peek(k string) string {
	s, _ := f.m[k].(string)
	return strings.TrimSpace(s)
}

func (f *fields) str(keys ...string) string {
	var out string
	for _, k := range keys {
		v, ok := f.m[k]
		if !ok {
			continue
		}
		delete(f.m, k)
		if out != "" {
			continue
		}
		switch v := v.(type) {
		case string:
			out = strings.TrimSpace(v)
		case float64:
			out = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return out
}

func (f *fields) num(keys ...string) (float64, bool) {
	var (
		out float64
		ok  bool
	)
	for _, k := range keys {
		v, present := f.m[k]
		if !present {
			continue
		}
		delete(f.m, k)
		if ok {
			continue
		}
		switch v := v.(type) {
		case float64:
			out, ok = v, true
		case string:
			if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				out, ok = x, true
			}
		}
	}
	return out, ok
}

func (f *fields) time(keys ...string) time.Time {
	var out time.Time
	for _, k := range keys {
		if t := parseTime(f.str(k)); out.IsZero() {
			out = t
		}
	}
	return out
}

// rest returns the unconsumed attributes (nil when none).
func (f *fields) rest() map[string]any {
	if len(f.m) == 0 {
		return nil
	}
	return f.m
}

// parseTime reads Maximo's ISO 8601 dates: with a zone offset or Z they are
// converted to UTC, without one they are taken as UTC.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// criticalityFromPriority maps asset priority: ≤1 A, 2 B, otherwise C.
func criticalityFromPriority(p float64, ok bool) abi.Criticality {
	switch {
	case !ok:
		return abi.CriticalityC
	case p <= 1:
		return abi.CriticalityA
	case p == 2:
		return abi.CriticalityB
	}
	return abi.CriticalityC
}

// mapAsset converts an mxasset member.
func mapAsset(m map[string]any, typeMap map[string]abi.AssetType) abi.Asset {
	f := newFields(m)
	a := abi.Asset{
		ID:           f.str("assetnum"),
		Location:     f.str("location"),
		Manufacturer: f.str("manufacturer"),
		Model:        f.str("modelnum"),
		SerialNumber: f.str("serialnum"),
		Parent:       f.str("parent"),
	}
	a.Name = f.str("description")
	if a.Name == "" {
		a.Name = a.ID
	}
	if t := f.time("installdate"); !t.IsZero() {
		a.InstallDate = t.Format("2006-01-02")
	}
	a.Criticality = criticalityFromPriority(f.num("priority"))
	a.Type = abi.AssetRotating
	// classstructureid and assettype stay in metadata: peek, not consume.
	class, atype := strings.ToUpper(f.peek("classstructureid")), strings.ToUpper(f.peek("assettype"))
	if t, ok := typeMap[class]; ok && class != "" {
		a.Type = t
	} else if t, ok := typeMap[atype]; ok && atype != "" {
		a.Type = t
	}
	a.Metadata = f.rest()
	return a
}

// mapWorkOrder converts an mxwo member.
func mapWorkOrder(m map[string]any) abi.WorkOrder {
	f := newFields(m)
	w := abi.WorkOrder{
		ID:          f.str("wonum"),
		AssetID:     f.str("assetnum"),
		Description: f.str("description"),
		AssignedTo:  f.str("lead", "assignedownergroup"),
		FailureMode: f.str("failurecode"),
	}
	w.FailureCause = f.str("failureremark", "problemcode")
	w.Priority = abi.PriorityMedium
	if p, ok := f.num("wopriority"); ok {
		if v, ok := woPriorityFromMaximo[int(p)]; ok && float64(int(p)) == p {
			w.Priority = v
		}
	}
	w.Status = abi.StatusCreated
	if s, ok := woStatusFromMaximo[strings.ToUpper(f.str("status"))]; ok {
		w.Status = s
	}
	w.Type = abi.TypeCorrective
	if t, ok := woTypeFromMaximo[strings.ToUpper(f.str("worktype"))]; ok {
		w.Type = t
	}
	if d, ok := f.num("estdur"); ok && d >= 0 {
		w.EstimatedDurationHours = d
	}
	changed := f.time("changedate")
	w.CreatedAt = f.time("reportdate")
	if w.CreatedAt.IsZero() {
		w.CreatedAt = changed
	}
	w.UpdatedAt = changed
	if w.UpdatedAt.IsZero() {
		w.UpdatedAt = w.CreatedAt
	}
	w.Metadata = f.rest()
	return w
}

// mapSparePart converts an mxinventory member.
func mapSparePart(m map[string]any) abi.SparePart {
	f := newFields(m)
	p := abi.SparePart{
		SKU:               f.str("itemnum"),
		Name:              f.str("description"),
		Manufacturer:      f.str("manufacturer"),
		WarehouseLocation: f.str("location"),
	}
	if p.Name == "" {
		if item, ok := m["item"].(map[string]any); ok {
			p.Name, _ = item["description"].(string)
		}
	}
	if p.Name == "" {
		p.Name = p.SKU
	}
	if q, ok := f.num("curbal"); ok {
		p.StockQuantity = abi.Quantity(q)
	}
	p.ReorderPoint, _ = f.num("reorder")
	if c, ok := f.num("avgcost", "lastcost"); ok {
		p.UnitCost = abi.Quantity(c)
	}
	p.LeadTimeDays, _ = f.num("deliverytime")
	p.Metadata = f.rest()
	return p
}

// mapPlan converts an mxpm member. The frequency is read with its unit
// (DAYS, WEEKS, MONTHS, YEARS; days when absent).
func mapPlan(m map[string]any) abi.MaintenancePlan {
	f := newFields(m)
	p := abi.MaintenancePlan{
		ID:      f.str("pmnum"),
		AssetID: f.str("assetnum"),
		Name:    f.str("description"),
		Active:  strings.EqualFold(f.str("status"), "ACTIVE"),
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	freq, _ := f.num("frequency")
	switch strings.ToUpper(f.str("frequnit")) {
	case "WEEKS":
		p.Interval.Weeks = freq
	case "MONTHS":
		p.Interval.Months = freq
	case "YEARS":
		p.Interval.Months = 12 * freq
	default:
		p.Interval.Days = freq
	}
	p.EstimatedDurationHours, _ = f.num("estdur")
	if c := f.str("craft"); c != "" {
		p.RequiredSkills = []string{c}
	}
	if jps, ok := m["jobplan"].([]any); ok {
		for _, jp := range jps {
			jm, _ := jp.(map[string]any)
			tasks, _ := jm["jobtask"].([]any)
			for _, t := range tasks {
				tm, _ := t.(map[string]any)
				if d, _ := tm["description"].(string); d != "" {
					p.Tasks = append(p.Tasks, d)
				}
			}
		}
	}
	return p
}
