package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

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

// code consumes attribute name however Maximo sent it (see codeOf).
func (f *fields) code(name string) string {
	c := codeOf(f.m, name)
	f.drop(name, "$alias_this_attr$"+name)
	return c
}

// drop consumes keys without reading them.
func (f *fields) drop(keys ...string) {
	for _, k := range keys {
		delete(f.m, k)
	}
}

// mapper maps Maximo records to domain records with one instance's code
// tables; unmapped codes are reported through ctx (pdk.Notify).
type mapper struct {
	ctx   context.Context
	codes codes
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

// asset converts an asset record; ok is false for a record without
// assetnum (an operating location in an asset lookup, a bare link), which
// must be skipped rather than returned with an empty id.
func (mp mapper) asset(m map[string]any) (a abi.Asset, ok bool) {
	f := newFields(m)
	a.ID = f.str("assetnum")
	if a.ID == "" {
		return abi.Asset{}, false
	}
	a.Location = f.code("location")
	a.Manufacturer, a.Model, a.SerialNumber = f.str("manufacturer"), f.str("modelnum"), f.str("serialnum")
	a.Parent = f.code("parent")
	if a.Name = f.str("description"); a.Name == "" {
		a.Name = a.ID
	}
	if t := f.time("installdate"); !t.IsZero() {
		a.InstallDate = t.Format("2006-01-02")
	}
	a.Criticality = criticalityFromPriority(f.num("priority"))
	u := pdk.Unmapped{}
	a.Type = mp.assetType(f.peek("classstructureid"), f.peek("assettype"), u)
	class := f.code("failurecode")
	a.FailureModes = failureModes(class, objects(m["failurelist"]))
	f.drop("failurelist")
	parts := bom(m)
	f.drop("sparepart")
	a.Metadata = u.Attach(f.rest())
	if class != "" {
		a.Metadata = setMeta(a.Metadata, "failure_class", class)
	}
	if len(parts) > 0 {
		a.Metadata = setMeta(a.Metadata, "spare_parts", parts)
	}
	return a, true
}

// assetType maps classstructureid, else assettype, with asset_type_map.
// When neither code is mapped the raw code (classstructureid first) is
// kept as unmapped; an asset with neither gets the fallback silently.
func (mp mapper) assetType(class, atype string, u pdk.Unmapped) abi.AssetType {
	t := mp.codes.assetTypes
	for _, c := range []string{class, atype} {
		if v, ok := t.Lookup(c); ok && c != "" {
			return v
		}
	}
	if class == "" {
		class = atype
	}
	return t.Map(mp.ctx, class, u)
}

// failureModes are an asset's failure class (failurecode) followed by the
// entries of its failure list (each by code, else by description).
func failureModes(class string, list []map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(class)
	for _, e := range list {
		c := codeOf(e, "failurecode")
		if c == "" {
			c = descriptionOf(e, "failurecode")
		}
		add(c)
	}
	return out
}

// bomPart is one spare part of an asset (Maximo SPAREPART) or one planned
// material of a work order.
type bomPart struct {
	SKU      string  `json:"sku"`
	Name     string  `json:"name,omitempty"`
	Quantity float64 `json:"quantity,omitempty"`
}

// bom reads a record's spare parts: sparepart[] rows (itemnum, quantity,
// the item relation as an array or an object, or a flat description) and a
// work order's planned materials (wpmaterial[]: itemnum, itemqty).
func bom(m map[string]any) []bomPart {
	var out []bomPart
	for _, rel := range []string{"sparepart", "wpmaterial"} {
		for _, r := range objects(m[rel]) {
			p := bomPart{SKU: codeOf(r, "itemnum")}
			items := objects(r["item"])
			if p.SKU == "" && len(items) > 0 {
				p.SKU = codeOf(items[0], "itemnum")
			}
			if p.SKU == "" {
				continue
			}
			p.Name = descriptionOf(r, "item")
			if p.Name == "" {
				p.Name = scalar(r["description"])
			}
			for _, k := range []string{"quantity", "itemqty"} {
				if q, ok := r[k].(float64); ok {
					p.Quantity = q
					break
				}
			}
			out = append(out, p)
		}
	}
	return out
}

func setMeta(meta map[string]any, k string, v any) map[string]any {
	if meta == nil {
		meta = map[string]any{}
	}
	meta[k] = v
	return meta
}

// sparePart converts an inventory record; ok is false without itemnum. A
// current balance Maximo did not send (it omits null attributes) is
// unknown, not zero: curbal, else the sum of the invbalances rows' curbal,
// else null.
func (mp mapper) sparePart(m map[string]any) (p abi.SparePart, ok bool) {
	f := newFields(m)
	if p.SKU = f.code("itemnum"); p.SKU == "" {
		for _, it := range objects(m["item"]) {
			p.SKU = scalar(it["itemnum"])
		}
	}
	if p.SKU == "" {
		return abi.SparePart{}, false
	}
	if p.Name = f.str("description"); p.Name == "" {
		p.Name = descriptionOf(m, "item")
	}
	if p.Name == "" {
		p.Name = p.SKU
	}
	p.Manufacturer = f.str("manufacturer")
	p.WarehouseLocation = f.code("location")
	if q, ok := f.num("curbal"); ok {
		p.StockQuantity = abi.Quantity(q)
	} else {
		p.StockQuantity = balanceSum(objects(m["invbalances"]))
	}
	p.ReorderPoint, _ = f.num("reorder")
	if c, ok := f.num("avgcost", "lastcost"); ok {
		p.UnitCost = abi.Quantity(c)
	}
	p.LeadTimeDays, _ = f.num("deliverytime")
	f.drop("item", "invbalances")
	p.Metadata = f.rest()
	return p, true
}

// balanceSum adds the curbal of inventory balance rows (nil when no row
// has one).
func balanceSum(rows []map[string]any) *float64 {
	var sum *float64
	for _, r := range rows {
		if q, ok := r["curbal"].(float64); ok {
			if sum == nil {
				sum = abi.Quantity(0)
			}
			*sum += q
		}
	}
	return sum
}

// plan converts a PM record. The frequency is read with its unit (DAYS,
// WEEKS, MONTHS, YEARS; days when absent).
func (mp mapper) plan(m map[string]any) (p abi.MaintenancePlan, ok bool) {
	f := newFields(m)
	if p.ID = f.str("pmnum"); p.ID == "" {
		return abi.MaintenancePlan{}, false
	}
	p.AssetID = f.code("assetnum")
	p.Name = f.str("description")
	p.Active = strings.EqualFold(f.str("status_maxvalue", "status"), "ACTIVE")
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
	for _, jp := range objects(m["jobplan"]) {
		for _, t := range objects(jp["jobtask"]) {
			if d := scalar(t["description"]); d != "" {
				p.Tasks = append(p.Tasks, d)
			}
		}
	}
	return p, true
}
