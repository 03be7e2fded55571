package maximo

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

// Shape selects response shapes real Maximo servers produce, beyond the
// defaults (lean on request, absolute hrefs naming the request's host,
// relations as arrays, statuses by their internal value). Each switch is
// documented by IBM material in the corpus (corpus/SOURCES.md).
type Shape struct {
	// RelativeHrefs answers every href relative to the webapp root
	// ("oslc/os/mxapiasset/_…"), next pages included, as Maximo does with
	// relativeuri=1 (which the simulator also honours per request).
	RelativeHrefs bool `json:"relative_hrefs,omitempty"`
	// HrefOrigin makes absolute hrefs name this origin instead of the one
	// the client used, as Maximo does behind a reverse proxy or load
	// balancer (it builds hrefs from mxe.oslc.webappurl), e.g.
	// "http://mxapp01.corp.internal:9080".
	HrefOrigin string `json:"href_origin,omitempty"`
	// ObjectRelations renders one-row relations as JSON objects (dot
	// notation) instead of arrays: an asset spare part's item, a work
	// order's single assignment or failure report row.
	ObjectRelations bool `json:"object_relations,omitempty"`
	// StatusSynonyms gives work orders a site's synonym values as status
	// (APPR S1, INPROGRESS, DONE); the internal value is sent as
	// status_maxvalue when the request asks for internalvalues=1.
	StatusSynonyms bool `json:"status_synonyms,omitempty"`
	// OperatingLocations mixes operating locations (no assetnum, href under
	// mxapioperloc) into asset listings, as an asset lookup returns them.
	OperatingLocations bool `json:"operating_locations,omitempty"`
	// SparseInventory adds inventory rows without curbal: Maximo omits null
	// attributes, so the balance is unknown.
	SparseInventory bool `json:"sparse_inventory,omitempty"`
}

// statusSynonyms are the site synonyms the StatusSynonyms shape uses
// (value → internal value); "APPR S1" is IBM's demo synonym, the others
// stand for a site's own.
var statusSynonyms = map[string]string{"APPR S1": "APPR", "INPROGRESS": "INPRG", "DONE": "COMP"}

// synonymFor is the site value the StatusSynonyms shape stores for an
// internal value (the value itself when the site has none).
func synonymFor(internal string) string {
	for v, in := range statusSynonyms {
		if in == internal {
			return v
		}
	}
	return internal
}

// internalStatus returns the internal value of a status value.
func internalStatus(v string) string {
	if in, ok := statusSynonyms[v]; ok {
		return in
	}
	return v
}

// renderer renders records for one request.
type renderer struct {
	shape    Shape
	lean     bool
	internal bool   // internalvalues=1
	relative bool   // hrefs relative to the webapp root
	origin   string // origin of absolute hrefs
	sel      selection
}

func (s *Server) renderer(r *http.Request, q url.Values, sel selection) renderer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rendererLocked(r, q, sel)
}

// rendererLocked is renderer for a caller holding s.mu.
func (s *Server) rendererLocked(r *http.Request, q url.Values, sel selection) renderer {
	sh := s.shape
	rd := renderer{shape: sh, lean: isLean(q), internal: q.Get("internalvalues") == "1", sel: sel,
		relative: sh.RelativeHrefs || q.Get("relativeuri") == "1", origin: simhttp.BaseURL(r)}
	if sh.HrefOrigin != "" {
		rd.origin = strings.TrimRight(sh.HrefOrigin, "/")
	}
	return rd
}

// href renders a path below /maximo/ ("oslc/os/…?…") as the shape wants.
func (rd renderer) href(rel string) string {
	if rd.relative {
		return rel
	}
	return rd.origin + "/maximo/" + rel
}

// recordHref is the href of rec in os.
func (rd renderer) recordHref(os objectStructure, rec record) string {
	name := os.served
	if name == "" {
		name = os.name
	}
	return rd.href(strings.TrimPrefix(osPrefix, "/maximo/") + name + "/" + restID(os, rec))
}

func restID(os objectStructure, rec record) string {
	return "_" + base64.RawURLEncoding.EncodeToString([]byte(scalarString(rec[os.key])+"/"+scalarString(rec["siteid"])))
}

// member renders rec with the selected attributes: "*" selects the main
// object's attributes, child objects (relations) only when named.
func (rd renderer) member(os objectStructure, rec record) map[string]any {
	m := make(map[string]any, len(rec)+2)
	for k, v := range rec {
		if _, child := v.([]any); (rd.sel.all && !child) || rd.sel.names[k] {
			m[k] = rd.relation(k, v)
		}
	}
	if os.name == OSWorkOrder {
		if st, ok := rec["status"].(string); ok && (rd.sel.all || rd.sel.names["status"]) {
			if rd.shape.StatusSynonyms {
				m["status"] = synonymFor(st)
			}
			if rd.internal {
				m["status_maxvalue"] = st
			}
		}
	}
	m["href"] = rd.recordHref(os, rec)
	if rd.lean {
		return m
	}
	return prefixed(m).(map[string]any)
}

// relation renders a child relation: arrays of objects, or with
// ObjectRelations one-row relations (and a spare part's item) as objects.
func (rd renderer) relation(name string, v any) any {
	rows, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, 0, len(rows))
	for _, row := range rows {
		m, ok := row.(map[string]any)
		if !ok {
			out = append(out, row)
			continue
		}
		c := make(map[string]any, len(m))
		for k, x := range m {
			c[k] = rd.relation(k, x)
		}
		out = append(out, c)
	}
	if rd.shape.ObjectRelations && len(out) == 1 && (name == "item" || name == "assignment" || name == "failurereport") {
		return out[0]
	}
	return out
}

// prefixed renders a lean value as non-lean JSON at every level: spi: on
// attributes, rdf:about for href (IBM's non-lean children carry prefixes
// too: spi:assetmeter[].spi:metername).
func prefixed(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			switch {
			case k == "href":
				out["rdf:about"] = e
			case strings.HasPrefix(k, "_") || strings.HasPrefix(k, "$"):
				out[k] = prefixed(e)
			default:
				out["spi:"+k] = prefixed(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = prefixed(e)
		}
		return out
	}
	return v
}

// collection renders a collection page body.
func (rd renderer) collection(self, next string, page, pageSize, total int, rows []map[string]any, count bool) map[string]any {
	info := map[string]any{"href": rd.href(self), "pagenum": page}
	if pageSize > 0 {
		info["totalPages"] = (total + pageSize - 1) / pageSize
	}
	if count {
		info["totalCount"] = total
	}
	if rows == nil {
		rows = []map[string]any{}
	}
	if rd.lean {
		if next != "" {
			info["nextPage"] = map[string]any{"href": rd.href(next)}
		}
		return map[string]any{"member": rows, "responseInfo": info, "href": rd.href(pathOnly(self))}
	}
	if next != "" {
		info["nextPage"] = map[string]any{"rdf:resource": rd.href(next)}
	}
	ri := map[string]any{}
	for k, v := range info {
		switch k {
		case "href":
			ri["rdf:about"] = v
		case "nextPage", "totalCount":
			ri["oslc:"+k] = v
		default:
			ri[k] = v
		}
	}
	return map[string]any{
		"prefixes": map[string]any{"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
			"spi": "http://jazz.net/ns/ism/asset/smarter_physical_infrastructure#", "oslc": "http://open-services.net/ns/core#"},
		"rdfs:member": rows, "oslc:responseInfo": ri, "rdf:about": rd.href(pathOnly(self)),
	}
}

func pathOnly(rel string) string {
	p, _, _ := strings.Cut(rel, "?")
	return p
}

// operatingLocations are the locations the OperatingLocations shape mixes
// into asset listings (from each area and line of the seeded plant).
func operatingLocations(assets []record) []record {
	var out []record
	for _, a := range assets {
		if scalarString(a["assettype"]) != "FACILITY" || a["parent"] == nil {
			continue
		}
		loc := scalarString(a["location"])
		out = append(out, record{
			"location": loc, "description": "Operating location " + loc, "type": "OPERATING", "type_maxvalue": "OPERATING",
			"status": "OPERATING", "siteid": SiteID, "orgid": OrgID,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return scalarString(out[i]["location"]) < scalarString(out[j]["location"]) })
	return out
}

// operatingLocationHref is the href of an operating location record.
func (rd renderer) operatingLocationHref(rec record) string {
	id := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s/%s", scalarString(rec["location"]), scalarString(rec["siteid"]))))
	return rd.href("oslc/os/mxapioperloc/_" + id)
}

// NamedShape is a response shape the conformance kit and the plugin's tests
// run against: the simulator's switches and the client configuration that
// goes with them.
type NamedShape struct {
	Name        string
	Description string
	Shape       Shape
	// Config is plugin configuration the shape needs (e.g. lean = false).
	Config map[string]any
}

// ProxyOrigin is the internal origin the proxied shapes name in hrefs (a
// WebSphere node behind a load balancer, as in the corpus).
const ProxyOrigin = "http://mxapp01.corp.internal:9080"

// Shapes lists the named shapes, the default first.
func Shapes() []NamedShape {
	all := Shape{RelativeHrefs: false, HrefOrigin: ProxyOrigin, ObjectRelations: true, StatusSynonyms: true, OperatingLocations: true, SparseInventory: true}
	return []NamedShape{
		{Name: "lean", Description: "lean JSON, absolute hrefs, relations as arrays, internal status values"},
		{Name: "nonlean", Description: "namespaced JSON (spi:, rdf:, rdfs:, oslc:) at every level", Config: map[string]any{"lean": false}},
		{Name: "relative-hrefs", Description: "every href relative to the webapp root, next pages and records included", Shape: Shape{RelativeHrefs: true}},
		{Name: "proxied-host", Description: "hrefs name an internal host (" + ProxyOrigin + ") instead of the configured origin", Shape: Shape{HrefOrigin: ProxyOrigin}},
		{Name: "object-relations", Description: "one-row relations as objects (item{}, assignment{}, failurereport{})", Shape: Shape{ObjectRelations: true}},
		{Name: "status-synonyms", Description: "site status synonyms (APPR S1, INPROGRESS, DONE) with status_maxvalue", Shape: Shape{StatusSynonyms: true}},
		{Name: "operating-locations", Description: "operating locations (no assetnum) mixed into asset listings", Shape: Shape{OperatingLocations: true}},
		{Name: "sparse-inventory", Description: "inventory rows without curbal", Shape: Shape{SparseInventory: true}},
		{Name: "combined", Description: "all of the above at once, non-lean", Shape: all, Config: map[string]any{"lean": false}},
	}
}

// LookupShape finds a named shape.
func LookupShape(name string) (NamedShape, bool) {
	for _, s := range Shapes() {
		if s.Name == name {
			return s, true
		}
	}
	return NamedShape{}, false
}

// OperatingLocationCount is how many operating locations the
// OperatingLocations shape mixes into an unfiltered asset listing.
func (s *Server) OperatingLocationCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(operatingLocations(s.data.records[OSAsset]))
}
