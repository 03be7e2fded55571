package main

import (
	"strconv"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// The default code tables. Their sources are IBM's, not the reference's
// where the two disagree (see README.md, "Codes"):
//
//   - Work order statuses are Maximo's shipped WOSTATUS internal values
//     (maxvalue). WSCH, WMATL and WPCOND are approved work not yet started
//     ("synonym of APPR" in behaviour, IBM Support), so they read as
//     assigned. Site synonyms (APPR S1, INPROGRESS) are resolved by
//     status_maxvalue, or by status_map when the server does not send it.
//   - Work types: CM Corrective Maintenance, EM Emergency Maintenance, PM
//     Preventive Maintenance (IBM's demo data and WORKTYPE schema). CP is a
//     Capital Project and EV an Event Report, not predictive or improvement
//     work, so they are unmapped unless a site maps them (worktype_map).
//   - wopriority 1..4 is the reference's convention (IBM documents 0-999,
//     a site convention), so priority_map can replace it.
var (
	defaultStatuses = map[string]abi.Status{
		"WAPPR": abi.StatusCreated,
		"APPR":  abi.StatusAssigned, "WSCH": abi.StatusAssigned, "WMATL": abi.StatusAssigned, "WPCOND": abi.StatusAssigned,
		"INPRG": abi.StatusInProgress,
		"COMP":  abi.StatusCompleted,
		"CLOSE": abi.StatusClosed,
		"CAN":   abi.StatusCancelled,
	}
	defaultWorkTypes = map[string]abi.WorkOrderType{
		"CM": abi.TypeCorrective, "EM": abi.TypeCorrective, "PM": abi.TypePreventive,
	}
	defaultPriorities = map[string]abi.Priority{
		"1": abi.PriorityEmergency, "2": abi.PriorityHigh, "3": abi.PriorityMedium, "4": abi.PriorityLow,
	}
)

// codes are the code tables of one configured plugin instance.
type codes struct {
	statuses   pdk.CodeTable[abi.Status] // internal value → status
	synonyms   map[string]string         // site value → internal value (status_map)
	workTypes  pdk.CodeTable[abi.WorkOrderType]
	priorities pdk.CodeTable[abi.Priority]
	assetTypes pdk.CodeTable[abi.AssetType]
}

// newCodes builds the tables from the defaults and the site's maps.
func newCodes(s settings) (codes, error) {
	c := codes{
		statuses:   pdk.NewCodeTable("status", defaultStatuses, abi.StatusCreated),
		synonyms:   map[string]string{},
		workTypes:  pdk.NewCodeTable("worktype", defaultWorkTypes, abi.TypeCorrective),
		priorities: pdk.NewCodeTable("wopriority", defaultPriorities, abi.PriorityMedium),
		assetTypes: pdk.NewCodeTable("asset_type", map[string]abi.AssetType{}, abi.AssetRotating),
	}
	for k, v := range s.StatusMap {
		internal, err := c.internalStatus(v)
		if err != nil {
			return codes{}, abi.InvalidArgument("config status_map[%q]: %v", k, err)
		}
		c.synonyms[strings.ToUpper(strings.TrimSpace(k))] = internal
	}
	var err error
	if c.workTypes, err = withMap(c.workTypes, "worktype_map", s.WorkTypeMap, abi.ParseWorkOrderType); err != nil {
		return codes{}, err
	}
	if c.priorities, err = withMap(c.priorities, "priority_map", s.PriorityMap, abi.ParsePriority); err != nil {
		return codes{}, err
	}
	if c.assetTypes, err = withMap(c.assetTypes, "asset_type_map", s.AssetTypeMap, abi.ParseAssetType); err != nil {
		return codes{}, err
	}
	return c, nil
}

// withMap parses a site's code map and lays it over t.
func withMap[T any](t pdk.CodeTable[T], key string, m map[string]string, parse func(string) (T, error)) (pdk.CodeTable[T], error) {
	over := make(map[string]T, len(m))
	for k, v := range m {
		x, err := parse(v)
		if err != nil {
			return t, abi.InvalidArgument("config %s[%q]: %v", key, k, err)
		}
		over[k] = x
	}
	return t.With(over), nil
}

// internalStatus reads a status_map value: a Maximo internal value (APPR)
// or a Machina status (assigned, written as its internal value).
func (c codes) internalStatus(v string) (string, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if _, ok := c.statuses.Lookup(v); ok {
		return v, nil
	}
	if s, err := abi.ParseStatus(v); err == nil {
		return c.statusCode(s), nil
	}
	return "", abi.InvalidArgument("%q is neither a Maximo work order status (%s) nor a Machina status (%s)",
		v, strings.Join(sortedKeys(c.statuses.Codes), ", "), joinStatuses())
}

func joinStatuses() string {
	parts := make([]string, 0, len(abi.Statuses()))
	for _, s := range abi.Statuses() {
		parts = append(parts, string(s))
	}
	return strings.Join(parts, ", ")
}

// statusCode is the internal value written for s (the first of its codes
// in order: WAPPR, APPR, INPRG, COMP, CLOSE, CAN).
func (c codes) statusCode(s abi.Status) string {
	return first(c.statuses.Reverse(func(v abi.Status) bool { return v == s }))
}

// statusCodes are every internal value that reads as s (for
// domaininternalwhere).
func (c codes) statusCodes(s abi.Status) []string {
	return c.statuses.Reverse(func(v abi.Status) bool { return v == s })
}

// workTypeCode is the worktype written for t: CM or PM when the table maps
// them to t, else the first code the site mapped to it; "" when none.
func (c codes) workTypeCode(t abi.WorkOrderType) string {
	for _, pref := range []string{"CM", "PM"} {
		if v, ok := c.workTypes.Lookup(pref); ok && v == t {
			return pref
		}
	}
	return first(c.workTypes.Reverse(func(v abi.WorkOrderType) bool { return v == t }))
}

// priorityCode is the wopriority written for p (0 when none).
func (c codes) priorityCode(p abi.Priority) int {
	for _, k := range c.priorities.Reverse(func(v abi.Priority) bool { return v == p }) {
		if n, err := strconv.Atoi(k); err == nil {
			return n
		}
	}
	return 0
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
