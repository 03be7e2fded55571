package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/machina-go/machina/abi"
)

// validate reports every problem of the configuration at once.
func (c *Config) validate() error {
	var errs []error
	add := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		add("base_url is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		add("base_url %q: want http(s)://host[:port][/path], without credentials or query", c.BaseURL)
	}
	if c.PageSize > 1000 {
		add("page_size %d: at most 1000", c.PageSize)
	}
	errs = append(errs, checkPagination("pagination", c.Pagination))
	errs = append(errs, checkRequest("health", c.Health, phNothing))
	if e := c.Assets; e != nil {
		errs = append(errs, checkEntity("assets", e, assetSchema, phNothing, phGet))
	}
	if e := c.SpareParts; e != nil {
		errs = append(errs, checkEntity("spare_parts", e, sparePartSchema, phParts, phGet))
	}
	if e := c.Plans; e != nil {
		errs = append(errs, checkEntity("maintenance_plans", e, planSchema, phPlans, phGet))
	}
	if w := c.WorkOrders; w != nil {
		errs = append(errs, checkEntity("work_orders", &w.Entity, workOrderSchema, phListWO, phGet), w.checkWrites())
	}
	if c.Health == nil {
		add("health: a request is required (any 2xx answer is healthy)")
	}
	for _, op := range c.Disabled {
		if o, ok := abi.LookupOperation(abi.OpName(op)); !ok || !o.ForKind(abi.KindCMMS) || o.Name == abi.OpHealth {
			add("disabled_operations: %q is not a CMMS operation that can be disabled", op)
		}
	}
	return errors.Join(errs...)
}

func checkPagination(where string, p Pagination) error {
	switch p.Style {
	case "", "none", "page", "offset", "cursor", "link", "next_url":
	default:
		return fmt.Errorf("%s.style %q: want none, page, offset, cursor, link or next_url", where, p.Style)
	}
	for _, s := range []string{p.CursorPath, p.NextPath} {
		if _, err := parsePath(s); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	if p.Style == "next_url" && p.NextPath == "" {
		return fmt.Errorf("%s: style next_url needs next_path", where)
	}
	return nil
}

func checkRequest(where string, r *Request, allowed []string) error {
	if r == nil {
		return nil
	}
	var errs []error
	add := func(f string, a ...any) { errs = append(errs, fmt.Errorf(where+": "+f, a...)) }
	if !strings.HasPrefix(r.Path, "/") {
		add("path %q must start with /", r.Path)
	}
	if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, r.method()) {
		add("method %q", r.Method)
	}
	for _, name := range placeholders([]any{r.Path, r.Query, r.Body}) {
		if !slices.Contains(allowed, name) {
			add("placeholder {%s} is not available here (available: %s)", name, strings.Join(allowed, ", "))
		}
	}
	for _, p := range []string{r.Items, r.Item, r.ID} {
		if _, err := parsePath(p); err != nil {
			add("%v", err)
		}
	}
	if r.Pagination != nil {
		errs = append(errs, checkPagination(where+".pagination", *r.Pagination))
	}
	return errors.Join(errs...)
}

func checkEntity(where string, e *Entity, schema map[string]fieldSpec, listPH, getPH []string) error {
	errs := []error{checkRequest(where+".list", e.List, listPH), checkRequest(where+".get", e.Get, getPH)}
	add := func(f string, a ...any) { errs = append(errs, fmt.Errorf(where+".fields: "+f, a...)) }
	names := make([]string, 0, len(schema))
	for n := range schema {
		names = append(names, n)
	}
	sort.Strings(names)
	for name, f := range e.Fields {
		spec, ok := schema[name]
		if !ok {
			add("unknown field %q (known: %s)", name, strings.Join(names, ", "))
			continue
		}
		errs = append(errs, checkField(where+".fields."+name, f, spec))
	}
	for _, n := range names {
		if _, ok := e.Fields[n]; schema[n].required && !ok && (e.List != nil || e.Get != nil) {
			add("%s is required", n)
		}
	}
	return errors.Join(errs...)
}

func checkField(where string, f Field, spec fieldSpec) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(where+": "+format, a...)) }
	if len(f.Path) == 0 {
		add("path is required")
	}
	for _, p := range append(slices.Clone(f.Path), f.Each) {
		if _, err := parsePath(p); err != nil {
			add("%v", err)
		}
	}
	if spec.kind != kEnum {
		if len(f.Map) > 0 || len(f.Write) > 0 || f.Fallback != "" {
			add("map, write and fallback apply to enumerated fields only")
		}
		return errors.Join(errs...)
	}
	valid := func(v string) bool { return slices.Contains(spec.enum, v) }
	for code, v := range f.Map {
		if !valid(v) {
			add("map %q = %q: not one of %s", code, v, strings.Join(spec.enum, ", "))
		}
	}
	for v := range f.Write {
		if !valid(v) {
			add("write %q: not one of %s", v, strings.Join(spec.enum, ", "))
		}
	}
	if f.Fallback != "" && !valid(f.Fallback) {
		add("fallback %q: not one of %s", f.Fallback, strings.Join(spec.enum, ", "))
	}
	if _, err := writeTable(f); err != nil && spec.writable {
		add("%v", err)
	}
	if len(f.Write) > 0 && !spec.writable {
		add("write: this field is never sent upstream")
	}
	return errors.Join(errs...)
}

// writeTable is the domain → vendor table of an enum field: Write, else Map
// inverted (a domain value with several codes must be named in Write).
func writeTable(f Field) (map[string]any, error) {
	out := map[string]any{}
	seen := map[string][]string{}
	for code, v := range f.Map {
		seen[v] = append(seen[v], code)
	}
	for v, codes := range seen {
		if _, explicit := f.Write[v]; explicit {
			continue
		}
		if len(codes) > 1 {
			sort.Strings(codes)
			return nil, fmt.Errorf("codes %s all map to %q: set write.%s to the one to send", strings.Join(codes, ", "), v, v)
		}
		out[v] = codes[0]
	}
	for v, w := range f.Write {
		out[v] = w
	}
	return out, nil
}

// checkWrites checks the requests a write needs.
func (w *WorkOrders) checkWrites() error {
	var errs []error
	add := func(f string, a ...any) { errs = append(errs, fmt.Errorf("work_orders: "+f, a...)) }
	errs = append(errs, checkRequest("work_orders.create", w.Create, phCreate),
		checkRequest("work_orders.update", w.Update, phUpdate), checkRequest("work_orders.status", w.Status, phStatus))
	if w.Get == nil && (w.Update != nil || w.Status != nil || w.Close || w.Cancel) {
		add("update, status, close and cancel need get (the current status is checked before a change)")
	}
	if w.Create != nil && w.Create.Item == "" && (w.Get == nil || w.Create.ID == "") {
		add("create needs item (the created record in the response) or id and get (to read it back)")
	}
	statuses, _ := writeTable(w.Fields["status"])
	for _, s := range []struct {
		on     bool
		status abi.Status
		op     string
	}{{w.Close, abi.StatusClosed, "close"}, {w.Cancel, abi.StatusCancelled, "cancel"}} {
		if !s.on {
			continue
		}
		if w.Status == nil && w.Update == nil {
			add("%s needs a status or update request", s.op)
		}
		if _, ok := statuses[string(s.status)]; !ok {
			add("%s needs the vendor code for %q (fields.status.map or write)", s.op, s.status)
		}
	}
	return errors.Join(errs...)
}

// EnabledOperations lists the operations this configuration serves
// (pdk.OperationSelector): a section that is absent is an operation the
// plugin does not offer.
func (p *plugin) EnabledOperations() []abi.OpName {
	c := p.cfg
	ops := []abi.OpName{abi.OpHealth}
	on := func(cond bool, o ...abi.OpName) {
		if cond {
			ops = append(ops, o...)
		}
	}
	if a := c.Assets; a != nil {
		on(a.List != nil, abi.OpListAssets)
		on(a.Get != nil || a.List != nil, abi.OpGetAsset) // without get: found in the list
	}
	if w := c.WorkOrders; w != nil {
		on(w.List != nil, abi.OpListWorkOrders)
		on(w.Get != nil, abi.OpGetWorkOrder)
		on(w.Create != nil, abi.OpCreateWorkOrder)
		on(w.Update != nil || w.Status != nil, abi.OpUpdateWorkOrder)
		on(w.Close, abi.OpCloseWorkOrder)
		on(w.Cancel, abi.OpCancelWorkOrder)
		on(w.History && w.List != nil, abi.OpMaintenanceHistory)
	}
	on(c.SpareParts != nil && c.SpareParts.List != nil, abi.OpListSpareParts)
	on(c.Plans != nil && c.Plans.List != nil, abi.OpGetMaintenancePlan)
	return slices.DeleteFunc(ops, func(o abi.OpName) bool { return o != abi.OpHealth && slices.Contains(c.Disabled, string(o)) })
}
