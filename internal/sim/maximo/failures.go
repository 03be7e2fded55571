package maximo

import "fmt"

// failureCode is one entry of a failure class's list (Maximo FAILURELIST /
// FAILURECODE).
type failureCode struct{ code, description string }

// failureHierarchy is the seeded plant's failure classes: the problems of
// each class (the asset's failure list), and per problem a cause and a
// remedy for failure reports.
var failureHierarchy = map[string][]failureCode{
	"PUMPS":    {{"BEARING", "Bearing failure"}, {"SEAL", "Mechanical seal leak"}, {"CAVIT", "Cavitation"}, {"LEAK", "Casing leak"}},
	"MOTORS":   {{"OVERHEAT", "Winding overheating"}, {"BEARING", "Bearing failure"}, {"INSUL", "Insulation breakdown"}},
	"COMPRESS": {{"VALVE", "Valve failure"}, {"OILCARRY", "Oil carry-over"}, {"OVERHEAT", "High discharge temperature"}},
	"HEATEX":   {{"FOULING", "Fouling"}, {"LEAK", "Plate gasket leak"}},
	"VALVES":   {{"STICK", "Sticking stem"}, {"LEAK", "Packing leak"}},
	"TANKS":    {{"CORROS", "Wall corrosion"}, {"LEAK", "Nozzle leak"}},
	"INSTR":    {{"DRIFT", "Calibration drift"}, {"SIGNAL", "Signal loss"}},
	"ELECT":    {{"TRIP", "Breaker trip"}, {"CONTACT", "Contactor wear"}, {"OVERHEAT", "Hot spot"}},
}

// causes and remedies of the seeded failure reports, by problem.
var (
	causeOf = map[string]failureCode{
		"BEARING": {"LUBE", "Insufficient lubrication"}, "SEAL": {"DRYRUN", "Dry running"}, "CAVIT": {"NPSH", "Low suction pressure"},
		"LEAK": {"WEAR", "Seal face wear"}, "OVERHEAT": {"COOLING", "Blocked cooling air"}, "INSUL": {"MOIST", "Moisture ingress"},
		"VALVE": {"DEPOSIT", "Carbon deposits"}, "OILCARRY": {"SEPAR", "Separator element saturated"}, "FOULING": {"SCALE", "Scale build-up"},
		"STICK": {"PACKING", "Over-tightened packing"}, "CORROS": {"COATING", "Coating damage"}, "DRIFT": {"AGING", "Sensor ageing"},
		"SIGNAL": {"CABLE", "Damaged cable"}, "TRIP": {"OVERLOAD", "Overload"}, "CONTACT": {"CYCLES", "Switching cycles exceeded"},
	}
	remedyOf = map[string]failureCode{
		"BEARING": {"REPLACE", "Replaced bearing"}, "SEAL": {"RESEAL", "Replaced seal"}, "CAVIT": {"ADJUST", "Raised suction level"},
		"LEAK": {"RESEAL", "Replaced seal"}, "OVERHEAT": {"CLEAN", "Cleaned cooling fins"}, "INSUL": {"REWIND", "Rewound motor"},
		"VALVE": {"REPLACE", "Replaced valve plate"}, "OILCARRY": {"REPLACE", "Replaced separator element"}, "FOULING": {"CLEAN", "Cleaned plates"},
		"STICK": {"ADJUST", "Re-packed stem"}, "CORROS": {"REPAIR", "Repaired coating"}, "DRIFT": {"CALIB", "Recalibrated"},
		"SIGNAL": {"REPLACE", "Replaced cable"}, "TRIP": {"RESET", "Reset and load reduced"}, "CONTACT": {"REPLACE", "Replaced contactor"},
	}
)

// plausibleFailure gives a work order failure data that fits its
// equipment: a work order with failure data, and every completed or
// closed one, is reported against the equipment's failure class with one
// of that class's problems.
func plausibleFailure(eq record, status string, f failureSeed, i int) failureSeed {
	class, _ := eq["failurecode"].(string)
	probs := failureHierarchy[class]
	if len(probs) == 0 || (f.code == "" && f.problem == "" && status != "COMP" && status != "CLOSE") {
		return f
	}
	p := probs[i%len(probs)]
	return failureSeed{code: class, problem: p.code, remark: p.description + " on " + scalarString(eq["assetnum"])}
}

// failureSeed is the failure data a seeded work order starts from.
type failureSeed struct{ code, problem, remark string }

// failureList renders a class's failure list as Maximo does with an
// aliased code: $alias_this_attr$failurecode beside the failurecode
// relation that carries the description.
func failureList(class string) []any {
	var out []any
	for i, f := range failureHierarchy[class] {
		out = append(out, map[string]any{"failurelist": 1000 + i, "$alias_this_attr$failurecode": f.code,
			"failurecode": map[string]any{"description": f.description}})
	}
	return out
}

// addFailureReport gives a completed or closed work order with a problem
// code its failure report: PROBLEM, CAUSE and REMEDY rows.
func addFailureReport(w record, problem string) {
	if st := w["status"]; (st != "COMP" && st != "CLOSE") || problem == "" {
		return
	}
	rows := []any{map[string]any{"type": "PROBLEM", "type_maxvalue": "PROBLEM", "failurecode": map[string]any{"failurecode": problem}, "linenum": 1}}
	if c, ok := causeOf[problem]; ok {
		rows = append(rows, map[string]any{"type": "CAUSE", "type_maxvalue": "CAUSE", "linenum": 2,
			"failurecode": map[string]any{"failurecode": c.code, "description": c.description}})
	}
	if r, ok := remedyOf[problem]; ok {
		rows = append(rows, map[string]any{"type": "REMEDY", "type_maxvalue": "REMEDY", "linenum": 3,
			"failurecode": map[string]any{"failurecode": r.code, "description": r.description}})
	}
	w["failurereport"] = rows
}

// addAssignment gives started and finished work orders with a lead a labor
// assignment of the lead.
func addAssignment(w record, i int) {
	lead, _ := w["lead"].(string)
	st := w["status"]
	if lead == "" || (st != "INPRG" && st != "COMP" && st != "CLOSE") {
		return
	}
	status := "ASSIGNED"
	if st != "INPRG" {
		status = "COMPLETE"
	}
	w["assignment"] = []any{map[string]any{"assignmentid": 700 + i, "laborcode": lead, "status": status, "status_maxvalue": status}}
}

// itemDescription is the description of item itemnum.
func itemDescription(items []record, itemnum string) string {
	for _, it := range items {
		if it["itemnum"] == itemnum {
			d, _ := it["description"].(string)
			return d
		}
	}
	return ""
}

// tools are storeroom rows without a current balance (Maximo omits null
// attributes), as IBM's tool inventory shows: the balance is unknown.
func tools() []record {
	var out []record
	for i, t := range []struct{ num, desc string }{{"TOOL-PURGE", "Purge kit"}, {"TOOL-TORQ", "Torque wrench 20-100 Nm"}} {
		out = append(out, record{"itemnum": t.num, "description": t.desc, "location": "CENTRAL", "siteid": SiteID, "orgid": OrgID,
			"status": "ACTIVE", "binnum": fmt.Sprintf("T-%02d", i+1), "issueunit": "EACH"})
	}
	return out
}
