package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Config is the plugin's configuration: the operator's [plugin.config]
// table, merged over a preset when `preset` names one. Unknown keys are
// errors. See README.md for every key.
type Config struct {
	// Preset names an embedded preset (upkeep, maintainx) this
	// configuration starts from; every other key overrides it (tables
	// merge key by key, values and lists replace).
	Preset string `json:"preset,omitempty"`
	// Vendor names the upstream in messages ("UpKeep").
	Vendor string `json:"vendor,omitempty"`
	// Sources records the documentation a configuration was written from
	// (informational).
	Sources []string `json:"sources,omitempty"`
	// BaseURL is scheme://host[:port] plus an optional path prefix.
	BaseURL string `json:"base_url"`
	// PageSize is the page size requested from list endpoints (default
	// 100); MaxRows caps a list (default 10000, then truncated).
	PageSize int `json:"page_size,omitempty"`
	MaxRows  int `json:"max_rows,omitempty"`
	// TimeoutMS per request (default 30000); RetryBaseMS is the first
	// retry backoff (default 500).
	TimeoutMS   int `json:"timeout_ms,omitempty"`
	RetryBaseMS int `json:"retry_base_ms,omitempty"`
	// Headers are sent with every request (non-secret: Accept, API
	// version pins). Credentials come from the host's auth profile only.
	Headers map[string]string `json:"headers,omitempty"`
	// Disabled lists operations not to serve even where a section (or the
	// preset) configures them, e.g. every write of a preset for a read-only
	// installation: ["create_work_order", "update_work_order",
	// "cancel_work_order"].
	Disabled []string `json:"disabled_operations,omitempty"`
	// Pagination is the default pagination of list requests.
	Pagination Pagination `json:"pagination,omitempty"`
	// Health is the request health sends (any 2xx is healthy).
	Health     *Request    `json:"health,omitempty"`
	Assets     *Entity     `json:"assets,omitempty"`
	WorkOrders *WorkOrders `json:"work_orders,omitempty"`
	SpareParts *Entity     `json:"spare_parts,omitempty"`
	Plans      *Entity     `json:"maintenance_plans,omitempty"`
}

// Request is one upstream call: an endpoint template and where the data is
// in the response.
type Request struct {
	// Method defaults to GET.
	Method string `json:"method,omitempty"`
	// Path is appended to base_url; {placeholders} are path-escaped.
	Path string `json:"path"`
	// Query maps parameter names to a template or a list of templates
	// (repeated parameter); a parameter whose value is empty is left out.
	Query map[string]any `json:"query,omitempty"`
	// Body is a JSON template; top-level members whose value is empty are
	// left out.
	Body any `json:"body,omitempty"`
	// Items is the JSON path of the record array of a list response ("":
	// the response is the array); Item the path of the record of a
	// single-record response ("": the response is the record).
	Items string `json:"items,omitempty"`
	Item  string `json:"item,omitempty"`
	// ID is the path of the new record's id in a create response.
	ID string `json:"id,omitempty"`
	// Pagination overrides the default pagination for this list.
	Pagination *Pagination `json:"pagination,omitempty"`
}

// Pagination describes how a list endpoint pages.
type Pagination struct {
	// Style: none, page, offset, cursor, link (RFC 8288 Link rel="next"
	// header) or next_url (a link in the body).
	Style string `json:"style,omitempty"`
	// SizeParam carries the page size (default "limit"; "" with style none).
	SizeParam string `json:"size_param,omitempty"`
	// PageParam and FirstPage: style page (defaults "page", 1).
	PageParam string `json:"page_param,omitempty"`
	FirstPage *int   `json:"first_page,omitempty"`
	// OffsetParam: style offset (default "offset").
	OffsetParam string `json:"offset_param,omitempty"`
	// CursorParam and CursorPath: style cursor (defaults "cursor",
	// "nextCursor"); the cursor is read from the response at CursorPath.
	CursorParam string `json:"cursor_param,omitempty"`
	CursorPath  string `json:"cursor_path,omitempty"`
	// NextPath: style next_url, the path of the next page's URL (absolute,
	// or relative to the request; it never leaves base_url's origin).
	NextPath string `json:"next_path,omitempty"`
}

// Entity is one kind of record: how to list it, get one, and map it.
type Entity struct {
	List *Request `json:"list,omitempty"`
	Get  *Request `json:"get,omitempty"`
	// Fields map domain fields (README.md lists them per entity) to the
	// vendor's.
	Fields map[string]Field `json:"fields,omitempty"`
}

// WorkOrders adds the writes a configuration may declare.
type WorkOrders struct {
	Entity
	// Create, Update and Status (a separate status-change request, when
	// the vendor has one) are the write requests; an absent one is an
	// operation not served.
	Create *Request `json:"create,omitempty"`
	Update *Request `json:"update,omitempty"`
	Status *Request `json:"status,omitempty"`
	// Close and Cancel serve close_work_order and cancel_work_order as
	// status changes to closed and cancelled (the status write map must
	// name their vendor codes).
	Close  bool `json:"close,omitempty"`
	Cancel bool `json:"cancel,omitempty"`
	// History serves maintenance_history from list (completed and closed
	// work orders of the asset).
	History bool `json:"history,omitempty"`
	// AssignedWhenAssignee reads a work order whose status maps to created
	// and that has an assignee as assigned: for vendors whose "open"
	// covers both.
	AssignedWhenAssignee bool `json:"assigned_when_assignee,omitempty"`
}

// Field maps one domain field. In configuration it is either a path string
// or a table.
type Field struct {
	// Path is the vendor path, or several tried in order (the first
	// present wins).
	Path []string `json:"path"`
	// Each, for list fields, is the path of the value inside each element.
	Each string `json:"each,omitempty"`
	// Map maps vendor codes (matched case-insensitively) to domain values;
	// Fallback is the domain value for an unknown code (the raw code is
	// kept in metadata.unmapped). Write maps domain values to vendor
	// values (any JSON type) for requests; without it Map is inverted.
	Map      map[string]string `json:"map,omitempty"`
	Fallback string            `json:"fallback,omitempty"`
	Write    map[string]any    `json:"write,omitempty"`
	// Scale multiplies numbers (0.01 for amounts in cents).
	Scale float64 `json:"scale,omitempty"`
}

// UnmarshalJSON accepts "a.b", ["a","b"] or a table.
func (f *Field) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = Field{Path: []string{s}}
		return nil
	}
	type plain Field
	var raw struct {
		plain
		Path any `json:"path"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*f = Field(raw.plain)
	switch p := raw.Path.(type) {
	case string:
		f.Path = []string{p}
	case []any:
		for _, e := range p {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("path: want strings")
			}
			f.Path = append(f.Path, s)
		}
	default:
		return fmt.Errorf("path: want a string or a list of strings")
	}
	return nil
}

// loadConfig merges the operator's values over the named preset and
// decodes the result strictly.
func loadConfig(values map[string]any) (Config, error) {
	merged := values
	if name, _ := values["preset"].(string); name != "" {
		preset, err := presetValues(name)
		if err != nil {
			return Config{}, err
		}
		merged = merge(preset, values)
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return Config{}, err
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	c.applyDefaults()
	return c, c.validate()
}

// merge returns base with over merged in: tables key by key, other values
// replaced.
func merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = merge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func (c *Config) applyDefaults() {
	if c.PageSize <= 0 {
		c.PageSize = 100
	}
	if c.MaxRows <= 0 {
		c.MaxRows = 10000
	}
	if c.TimeoutMS <= 0 {
		c.TimeoutMS = 30000
	}
	if c.RetryBaseMS <= 0 {
		c.RetryBaseMS = 500
	}
	if c.Vendor == "" {
		c.Vendor = "the CMMS"
		if u, err := url.Parse(c.BaseURL); err == nil && u.Host != "" {
			c.Vendor = u.Host
		}
	}
	if c.Pagination.Style == "" {
		c.Pagination.Style = "none"
	}
}

// pagination is the effective pagination of a list request.
func (c *Config) pagination(r *Request) Pagination {
	p := c.Pagination
	if r.Pagination != nil {
		p = *r.Pagination
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	if p.Style == "" {
		p.Style = "none"
	}
	if p.Style != "none" {
		def(&p.SizeParam, "limit")
	}
	def(&p.PageParam, "page")
	def(&p.OffsetParam, "offset")
	def(&p.CursorParam, "cursor")
	def(&p.CursorPath, "nextCursor")
	if p.FirstPage == nil {
		one := 1
		p.FirstPage = &one
	}
	return p
}

func (r *Request) method() string {
	if r.Method == "" {
		return "GET"
	}
	return strings.ToUpper(r.Method)
}
