package main

import (
	"sort"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// Fields of customer-configured codes, as named in metadata.unmapped and in
// the notice an unmapped code raises.
const (
	kindOrderType         = "order_type"
	kindPriority          = "priority"
	kindEquipmentCategory = "equipment_category"
	kindSystemStatus      = "system_status"
	kindProcessPhase      = "process_phase"
)

// siteTable builds the code table of field: the documented defaults
// overlaid with the site's map from [plugin.config] (key names the config
// key in errors; parse validates each domain value). It also returns the
// codes the site mapped, sorted: they are preferred for writes.
func siteTable[T ~string](key, field string, defaults map[string]T, site map[string]string, parse func(string) (T, error), fallback T) (pdk.CodeTable[T], []string, error) {
	over := map[string]T{}
	var codes []string
	for k, v := range site {
		code := strings.ToUpper(strings.TrimSpace(k))
		if code == "" {
			return pdk.CodeTable[T]{}, nil, abi.InvalidArgument("config %s has an empty SAP code", key)
		}
		t, err := parse(strings.TrimSpace(v))
		if err != nil {
			return pdk.CodeTable[T]{}, nil, abi.InvalidArgument("config %s.%s: %v", key, k, abi.AsError(err).Message)
		}
		over[code] = t
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return pdk.NewCodeTable(field, defaults, fallback).With(over), codes, nil
}

// writeCode returns the SAP code to write for v: a code the site mapped to
// v first (a system with customer types usually has no standard ones), then
// the first default, else def.
func writeCode[T comparable](t pdk.CodeTable[T], site []string, v T, def string) string {
	for _, code := range site {
		if got, _ := t.Lookup(code); got == v {
			return code
		}
	}
	if codes := t.Reverse(func(x T) bool { return x == v }); len(codes) > 0 {
		return codes[0]
	}
	return def
}

// Documented defaults (plugins/cmms-sap/README.md, "Mappings"). SAP order
// types, priorities and equipment categories are customer configuration;
// these are the standard codes and the reference's reading of them.
var (
	defaultOrderTypes = map[string]abi.WorkOrderType{
		"PM01": abi.TypeCorrective, "PM02": abi.TypePreventive, "PM03": abi.TypePredictive, "PM04": abi.TypeImprovement,
	}
	defaultPriorities = map[string]abi.Priority{
		"1": abi.PriorityEmergency, "2": abi.PriorityHigh, "3": abi.PriorityMedium, "4": abi.PriorityLow,
	}
	// P and S are deliberately absent: SAP's reference categories are
	// M Machines, P Production resources/tools and S Customer equipment,
	// so the reference's P → piping and S → safety would misreport them.
	defaultCategories = map[string]abi.AssetType{
		"M": abi.AssetRotating, "E": abi.AssetElectrical, "I": abi.AssetInstrument, "H": abi.AssetHVAC,
	}
)

// Fallbacks for unmapped codes (documented; the raw code goes to
// metadata.unmapped).
const (
	fallbackOrderType = abi.TypeCorrective
	fallbackPriority  = abi.PriorityMedium
	fallbackAssetType = abi.AssetRotating
	fallbackStatus    = abi.StatusCreated
)

// lifecycle is SAP's order life cycle, most advanced first: in a compound
// system status the first of these present wins (the reference precedence
// DLFL > CLSD > TECO > CNF > PCNF > REL > CRTD). The domain value of each
// is the reference's reading, not SAP's.
var lifecycle = []struct {
	code   string
	status abi.Status
}{
	{"DLFL", abi.StatusCancelled}, {"CLSD", abi.StatusClosed}, {"TECO", abi.StatusClosed}, {"CNF", abi.StatusCompleted},
	{"PCNF", abi.StatusInProgress}, {"REL", abi.StatusAssigned}, {"CRTD", abi.StatusCreated},
}

// lifecycleCode reports whether code is one of the life-cycle codes.
func lifecycleCode(code string) bool {
	for _, l := range lifecycle {
		if l.code == code {
			return true
		}
	}
	return false
}

// systemStatus is a parsed compound system status.
type systemStatus struct {
	codes  []string // every token, in order, aliases resolved
	status abi.Status
	found  bool // a life-cycle code was present
}

// parseSystemStatus tokenises a compound system status such as
// "REL  CNF  GMPS PRC  SETC" (4-character short texts, padded, separated
// by whitespace) and picks the most advanced life-cycle code. Codes that
// are not life-cycle states (MANC, PRC, SETC, …) are kept but do not
// count. aliases maps language-specific short texts to the English codes.
func parseSystemStatus(compound string, aliases map[string]string) systemStatus {
	var st systemStatus
	present := map[string]bool{}
	for _, t := range strings.Fields(strings.ToUpper(compound)) {
		if a, ok := aliases[t]; ok {
			t = a
		}
		st.codes = append(st.codes, t)
		present[t] = true
	}
	for _, l := range lifecycle {
		if present[l.code] {
			st.status, st.found = l.status, true
			return st
		}
	}
	st.status = fallbackStatus
	return st
}

// statusCode is the system status written for a target status (the
// reference's reverse mapping).
func statusCode(s abi.Status) string {
	switch s {
	case abi.StatusAssigned:
		return "REL"
	case abi.StatusInProgress:
		return "PCNF"
	case abi.StatusCompleted:
		return "CNF"
	case abi.StatusClosed:
		return "TECO"
	case abi.StatusCancelled:
		return "DLFL"
	}
	return "CRTD"
}
