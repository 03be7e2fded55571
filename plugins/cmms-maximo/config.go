package main

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// settings is the plugin's non-secret configuration ([plugin.config]).
type settings struct {
	// BaseURL is the Maximo server, e.g. https://plant.maximo.com (required).
	BaseURL string `json:"base_url"`
	// SiteID restricts every query to one site (optional).
	SiteID string `json:"site_id"`
	// PageSize is oslc.pageSize (default 100).
	PageSize int `json:"page_size"`
	// MaxRows caps the rows one operation reads (default 5000).
	MaxRows int `json:"max_rows"`
	// Lean sends lean=1 (default true).
	Lean *bool `json:"lean"`
	// AssetTypeMap maps classstructureid or assettype to a Machina asset type.
	AssetTypeMap map[string]string `json:"asset_type_map"`
	// StatusMap maps a site's work order status values (synonyms) to
	// Maximo internal values (APPR) or Machina statuses (assigned).
	StatusMap map[string]string `json:"status_map"`
	// WorkTypeMap maps worktype codes to Machina work order types, over the
	// defaults.
	WorkTypeMap map[string]string `json:"worktype_map"`
	// PriorityMap maps wopriority values to Machina priorities, over the
	// defaults.
	PriorityMap map[string]string `json:"priority_map"`
	// ObjectStructures names the object structures read (keys asset,
	// work_order, inventory, pm).
	ObjectStructures map[string]string `json:"object_structures"`
	// Select overrides oslc.select per read (keys asset, work_order,
	// spare_parts: the asset's spare part list).
	Select map[string]string `json:"select"`
	// ExternalRefMaxLength is the length of WORKORDER.EXTERNALREFID, which
	// holds the idempotency key (default 10; 0 disables the lookup).
	ExternalRefMaxLength *int `json:"externalref_max_length"`
	// TimeoutMS is the per-request timeout asked of the host (default 30000).
	TimeoutMS int `json:"timeout_ms"`
	// RetryBaseMS is the first retry's backoff (default 500).
	RetryBaseMS int `json:"retry_base_ms"`
}

// defaultObjectStructures are the defaults of object_structures: IBM's
// REST API object structures, whose shapes the corpus records (mxapiasset,
// mxapiwodetail with assignment and failurereport children,
// mxapiinventory), and mxpm for PM plans with their job plan.
var defaultObjectStructures = map[string]string{"asset": "mxapiasset", "work_order": "mxapiwodetail", "inventory": "mxapiinventory", "pm": "mxpm"}

// defaultSelects are the defaults of select. "*" selects a record's own
// attributes; child objects are named: a work order's labor assignments
// and failure report, an asset's spare parts.
var defaultSelects = map[string]string{
	"asset":       "*",
	"work_order":  "*,assignment{laborcode,status},failurereport{*}",
	"spare_parts": "assetnum,sparepart{*}",
	"pm":          "*,jobplan{jpnum,jobtask{jptask,description}}",
}

// Init validates and stores the configuration.
func (m *maximo) Init(_ context.Context, c pdk.Config) error {
	var s settings
	if err := c.Decode(&s); err != nil {
		return abi.InvalidArgument("%v", err)
	}
	s.BaseURL = strings.TrimRight(strings.TrimSpace(s.BaseURL), "/")
	u, err := url.Parse(s.BaseURL)
	if s.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return abi.InvalidArgument("config base_url must be an http(s) URL such as https://plant.maximo.com (got %q)", s.BaseURL)
	}
	if err := s.defaults(); err != nil {
		return err
	}
	codes, err := newCodes(s)
	if err != nil {
		return err
	}
	os, err := overlay("object_structures", defaultObjectStructures, s.ObjectStructures)
	if err != nil {
		return err
	}
	for k, v := range os {
		if strings.ContainsAny(v, "/?#%& ") {
			return abi.InvalidArgument("config object_structures.%s: %q is not an object structure name", k, v)
		}
	}
	sel, err := overlay("select", defaultSelects, s.Select)
	if err != nil {
		return err
	}
	m.cfg, m.base, m.codes, m.os, m.sel = s, s.BaseURL, codes, os, sel
	m.lean = s.Lean == nil || *s.Lean
	m.retryBase = time.Duration(s.RetryBaseMS) * time.Millisecond
	return nil
}

// defaults fills in and checks the numeric settings.
func (s *settings) defaults() error {
	if s.PageSize == 0 {
		s.PageSize = 100
	}
	if s.MaxRows == 0 {
		s.MaxRows = 5000
	}
	if s.PageSize < 1 || s.PageSize > 1000 {
		return abi.InvalidArgument("config page_size must be between 1 and 1000")
	}
	if s.MaxRows < 1 {
		return abi.InvalidArgument("config max_rows must be positive")
	}
	if s.TimeoutMS == 0 {
		s.TimeoutMS = 30000
	}
	if s.RetryBaseMS <= 0 {
		s.RetryBaseMS = 500
	}
	if s.ExternalRefMaxLength == nil {
		n := 10
		s.ExternalRefMaxLength = &n
	}
	if *s.ExternalRefMaxLength < 0 {
		return abi.InvalidArgument("config externalref_max_length must not be negative")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// overlay lays a config map over defaults; unknown keys and empty values
// are errors.
func overlay(key string, defaults, over map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(defaults))
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range over {
		if _, ok := defaults[k]; !ok {
			return nil, abi.InvalidArgument("config %s: unknown key %q (known: %s)", key, k, strings.Join(sortedKeys(defaults), ", "))
		}
		if v = strings.TrimSpace(v); v == "" {
			return nil, abi.InvalidArgument("config %s.%s is empty", key, k)
		}
		out[k] = v
	}
	return out, nil
}
