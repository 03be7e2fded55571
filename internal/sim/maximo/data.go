package maximo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// record is one Maximo business object as its attributes.
type record map[string]any

// Object structure names.
const (
	OSAsset     = "mxasset"
	OSWorkOrder = "mxwo"
	OSInventory = "mxinventory"
	OSPM        = "mxpm"
)

// objectStructure describes one served object structure.
type objectStructure struct {
	name   string
	key    string          // primary key attribute within the site
	attrs  map[string]bool // attributes a where clause may use
	served string          // the name it was requested by (an alias or name)
}

// aliases are the other object structure names the simulator serves: IBM's
// REST API object structures (mxapi*) over the same data.
var aliases = map[string]string{"mxapiasset": OSAsset, "mxapiwodetail": OSWorkOrder, "mxapiwo": OSWorkOrder,
	"mxapiinventory": OSInventory, "mxapipm": OSPM}

// lookupOS finds an object structure by name or alias, as requested: the
// returned structure carries the requested name, so hrefs keep it.
func lookupOS(name string) (objectStructure, bool) {
	n := strings.ToLower(name)
	if canon, ok := aliases[n]; ok {
		os := structures[canon]
		os.served = n
		return os, true
	}
	os, ok := structures[n]
	os.served = n
	return os, ok
}

var structures = map[string]objectStructure{
	OSAsset: {OSAsset, "assetnum", set("assetnum", "description", "location", "manufacturer", "modelnum", "serialnum", "priority",
		"parent", "assettype", "classstructureid", "installdate", "status", "siteid", "orgid", "changedate", "isrunning", "vendor", "failurecode"), OSAsset},
	OSWorkOrder: {OSWorkOrder, "wonum", set("wonum", "description", "assetnum", "location", "status", "statusdate", "wopriority", "worktype",
		"lead", "assignedownergroup", "failurecode", "problemcode", "failureremark", "reportdate", "changedate", "siteid", "orgid",
		"estdur", "targstartdate", "externalrefid", "memo", "pmnum", "owner", "ownergroup"), OSWorkOrder},
	OSInventory: {OSInventory, "itemnum", set("itemnum", "description", "location", "curbal", "reorder", "avgcost", "lastcost",
		"manufacturer", "deliverytime", "siteid", "orgid", "issueunit", "binnum", "status"), OSInventory},
	OSPM: {OSPM, "pmnum", set("pmnum", "description", "assetnum", "location", "frequency", "frequnit", "status", "siteid", "orgid",
		"jpnum", "estdur", "laststartdate", "nextdate", "craft"), OSPM},
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Site and organisation of the seeded plant.
const (
	SiteID = "RIVERSIDE"
	OrgID  = "EAGLENA"
)

// dataset is the simulator's state: records per object structure, in key
// order.
type dataset struct {
	records map[string][]record
	tools   []record // inventory without curbal (Shape.SparseInventory)
	nextWO  int
}

type equipKind struct {
	prefix, noun, assettype, class, manufacturer, model string
	failure                                             string
}

var equipKinds = []equipKind{
	{"P", "centrifugal pump", "PUMP", "PU", "Grundfos", "CR 32-4", "PUMPS"},
	{"M", "induction motor", "MOTOR", "EM", "Siemens", "1LE1003", "MOTORS"},
	{"C", "screw compressor", "COMPRESSOR", "CO", "Atlas Copco", "GA 37", "COMPRESS"},
	{"HX", "plate heat exchanger", "HEATEXCH", "HE", "Alfa Laval", "M10-BFG", "HEATEX"},
	{"V", "control valve", "VALVE", "VA", "Fisher", "GX", "VALVES"},
	{"TK", "storage tank", "TANK", "TA", "Sulzer", "ST-20", "TANKS"},
	{"TT", "temperature transmitter", "INSTRUMENT", "IP", "Endress+Hauser", "iTEMP TMT82", "INSTR"},
	{"E", "MCC panel", "ELECTRICAL", "EP", "ABB", "MNS iS", "ELECT"},
}

var areas = []struct{ id, name string }{
	{"AREA-UTIL", "Utilities area"},
	{"AREA-PROC", "Process area"},
	{"AREA-PACK", "Packaging area"},
}

// seedData builds the deterministic plant: one site asset, 3 areas, 2 lines
// per area and 8 pieces of equipment per line (58 assets), plus work orders
// in every status, inventory and PM plans. minAssets pads the equipment list
// with extra pumps.
func seedData(seed uint64, minAssets int) *dataset {
	sd := &seeder{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), base: time.Date(2024, 1, 15, 6, 0, 0, 0, time.UTC)}
	d := &dataset{records: map[string][]record{}, nextWO: 2001}
	// the order of the calls is the order of the random draws: keep it.
	assets, equipment := sd.assets(minAssets)
	items := sd.inventory(assets)
	wos := sd.workOrders(assets, equipment)
	d.records[OSAsset] = assets
	d.records[OSWorkOrder] = wos
	d.records[OSInventory] = items
	d.records[OSPM] = sd.plans(equipment)
	d.tools = tools()
	d.nextWO = 1001 + len(wos)
	for _, k := range []string{OSAsset, OSWorkOrder, OSInventory, OSPM} {
		key := structures[k].key
		rs := d.records[k]
		sort.SliceStable(rs, func(i, j int) bool { return keyLess(rs[i][key].(string), rs[j][key].(string)) })
	}
	return d
}

// seeder draws the seeded plant from one random source.
type seeder struct {
	rng  *rand.Rand
	base time.Time
}

// ts is a date days and hours after the seed's base date.
func (sd *seeder) ts(days int, hours int) string {
	return sd.base.Add(time.Duration(days)*24*time.Hour + time.Duration(hours)*time.Hour).Format("2006-01-02T15:04:05-00:00")
}

func (sd *seeder) asset(num, desc, loc, parent, atype, class, mfr, model string, prio int) record {
	rng := sd.rng
	r := record{
		"assetnum": num, "description": desc, "location": loc, "siteid": SiteID, "orgid": OrgID,
		"status": "OPERATING", "assettype": atype, "priority": prio, "isrunning": true,
		"changedate": sd.ts(rng.IntN(300), rng.IntN(24)),
	}
	if parent != "" {
		r["parent"] = parent
	}
	if class != "" {
		r["classstructureid"] = class
	}
	if mfr != "" {
		r["manufacturer"] = mfr
		r["modelnum"] = model
		r["serialnum"] = fmt.Sprintf("SN-%06d", rng.IntN(1000000))
		r["installdate"] = sd.ts(-rng.IntN(3000)-200, 0)
	}
	return r
}

// assets are the site, its areas and lines, and their equipment (which
// is also returned on its own), padded up to minAssets.
func (sd *seeder) assets(minAssets int) (assets, equipment []record) {
	rng := sd.rng
	assets = append(assets, sd.asset("PLANT-RS", "Riverside plant", "RIVERSIDE", "", "FACILITY", "", "", "", 1))
	for ai, a := range areas {
		assets = append(assets, sd.asset(a.id, a.name, a.id, "PLANT-RS", "FACILITY", "", "", "", 2))
		for li := 1; li <= 2; li++ {
			line := fmt.Sprintf("LINE-%d%d", ai+1, li)
			assets = append(assets, sd.asset(line, fmt.Sprintf("%s line %d", a.name, li), a.id+"/"+line, a.id, "FACILITY", "", "", "", 2))
			for ki, k := range equipKinds {
				num := fmt.Sprintf("%s-%d%d%d", k.prefix, ai+1, li-1, ki+1)
				// keep the demo plant's well-known ids (P-101, M-301, C-201).
				switch {
				case ai == 0 && li == 1 && k.prefix == "P":
					num = "P-101"
				case ai == 2 && li == 1 && k.prefix == "M":
					num = "M-301"
				case ai == 1 && li == 1 && k.prefix == "C":
					num = "C-201"
				}
				prio := 1 + rng.IntN(4)
				if num == "P-101" {
					prio = 1
				}
				r := sd.asset(num, fmt.Sprintf("%s %s", titleCase(k.noun), num), a.id+"/"+line, line, k.assettype, k.class, k.manufacturer, k.model, prio)
				if k.failure != "" {
					r["failurecode"] = k.failure
					r["failurelist"] = failureList(k.failure)
				}
				equipment = append(equipment, r)
			}
		}
	}
	for i := 1; len(assets)+len(equipment) < minAssets; i++ {
		line := fmt.Sprintf("LINE-%d%d", (i%3)+1, (i%2)+1)
		num := fmt.Sprintf("PX-%04d", i)
		r := sd.asset(num, "Auxiliary pump "+num, "AREA-UTIL/"+line, line, "PUMP", "PU", "KSB", "Etanorm", 1+rng.IntN(4))
		equipment = append(equipment, r)
	}
	assets = append(assets, equipment...)
	return assets, equipment
}

// inventory is the storeroom's items; each asset's spare part list
// (Maximo's SPAREPART) names the items of its kind.
func (sd *seeder) inventory(assets []record) []record {
	rng := sd.rng
	items := []record{
		{"itemnum": "BRG-6205", "description": "Deep groove ball bearing 6205-2RS", "manufacturer": "SKF", "avgcost": 12.5, "lastcost": 13.1, "issueunit": "EACH"},
		{"itemnum": "SEAL-M32", "description": "Mechanical seal 32 mm", "manufacturer": "John Crane", "avgcost": 245.0, "lastcost": 251.0, "issueunit": "EACH"},
		{"itemnum": "IMP-CR32", "description": "Impeller CR 32", "manufacturer": "Grundfos", "avgcost": 610.0, "lastcost": 598.0, "issueunit": "EACH"},
		{"itemnum": "BRG-6309", "description": "Motor bearing 6309-C3", "manufacturer": "SKF", "avgcost": 38.0, "lastcost": 39.5, "issueunit": "EACH"},
		{"itemnum": "FAN-1LE", "description": "Motor cooling fan", "manufacturer": "Siemens", "avgcost": 74.0, "lastcost": 74.0, "issueunit": "EACH"},
		{"itemnum": "FLT-GA37", "description": "Air filter element GA 37", "manufacturer": "Atlas Copco", "avgcost": 58.0, "lastcost": 61.0, "issueunit": "EACH"},
		{"itemnum": "OIL-ROTO", "description": "Roto-Inject compressor oil 20 l", "manufacturer": "Atlas Copco", "avgcost": 189.0, "lastcost": 195.0, "issueunit": "CAN"},
		{"itemnum": "GSK-M10", "description": "Plate gasket M10", "manufacturer": "Alfa Laval", "avgcost": 22.0, "lastcost": 22.0, "issueunit": "EACH"},
		{"itemnum": "PKG-GX", "description": "Valve packing set GX", "manufacturer": "Fisher", "avgcost": 95.0, "lastcost": 99.0, "issueunit": "SET"},
		{"itemnum": "RTD-PT100", "description": "Pt100 sensor insert", "manufacturer": "Endress+Hauser", "avgcost": 64.0, "lastcost": 66.0, "issueunit": "EACH"},
		{"itemnum": "CB-16A", "description": "Circuit breaker 16 A", "manufacturer": "ABB", "avgcost": 41.0, "lastcost": 43.0, "issueunit": "EACH"},
		{"itemnum": "CPL-L100", "description": "Jaw coupling L100", "manufacturer": "Lovejoy", "avgcost": 33.0, "lastcost": 35.0, "issueunit": "EACH"},
	}
	partsOf := map[string][]string{
		"P": {"BRG-6205", "SEAL-M32", "IMP-CR32", "CPL-L100"}, "PX": {"BRG-6205", "SEAL-M32"},
		"M": {"BRG-6309", "FAN-1LE", "CPL-L100"}, "C": {"FLT-GA37", "OIL-ROTO"},
		"HX": {"GSK-M10"}, "V": {"PKG-GX"}, "TT": {"RTD-PT100"}, "E": {"CB-16A"},
	}
	for _, a := range assets {
		num := a["assetnum"].(string)
		prefix := num[:len(num)-len(numSuffix(num))-1]
		var sp []any
		for _, it := range partsOf[prefix] {
			sp = append(sp, map[string]any{"itemnum": it, "quantity": 1 + rng.IntN(2),
				"item": []any{map[string]any{"itemnum": it, "description": itemDescription(items, it)}}})
		}
		if sp != nil {
			a["sparepart"] = sp
		}
	}
	for i, it := range items {
		it["location"] = "CENTRAL"
		it["binnum"] = fmt.Sprintf("A-%02d-%d", i+1, 1+rng.IntN(4))
		it["siteid"] = SiteID
		it["orgid"] = OrgID
		it["status"] = "ACTIVE"
		reorder := float64(2 + rng.IntN(6))
		it["reorder"] = reorder
		it["curbal"] = float64(rng.IntN(12))
		if i%4 == 0 { // some items at or below their reorder point
			it["curbal"] = reorder - 1
		}
		it["deliverytime"] = float64(3 + rng.IntN(40))
	}
	return items
}

// workOrders are 48 work orders on the equipment, in every status (P-101
// has one in each).
func (sd *seeder) workOrders(assets, equipment []record) []record {
	rng, ts := sd.rng, sd.ts
	statuses := []string{"WAPPR", "APPR", "INPRG", "COMP", "CLOSE", "CAN"}
	// CM and PM are IBM's shipped corrective and preventive types, EM
	// emergency work; PDM is the site's own predictive type.
	worktypes := []string{"CM", "PM", "PDM", "EM"}
	leads := []string{"JSMITH", "MGARCIA", "LCHEN", "AKOWALSKI", ""}
	failures := []failureSeed{
		{"PUMPS", "BEARING", "Bearing wear, high vibration"},
		{"MOTORS", "OVERHEAT", "Winding temperature high"},
		{"", "LEAK", ""},
		{"", "", ""},
	}
	var wos []record
	for i := 0; i < 48; i++ {
		eq := equipment[(i*7)%len(equipment)]
		if i < 6 {
			eq = assets[len(assets)-len(equipment)] // P-101 has one WO in every status
			for _, a := range equipment {
				if a["assetnum"] == "P-101" {
					eq = a
				}
			}
		}
		f := failures[rng.IntN(len(failures))]
		st := statuses[i%len(statuses)]
		f = plausibleFailure(eq, st, f, i)
		report := rng.IntN(280)
		w := record{
			"wonum": fmt.Sprintf("WO%d", 1001+i), "description": woDescription(eq["description"].(string), i),
			"assetnum": eq["assetnum"], "location": eq["location"], "status": st, "statusdate": ts(report+3, 2),
			"wopriority": 1 + rng.IntN(4), "worktype": worktypes[rng.IntN(len(worktypes))],
			"reportdate": ts(report, rng.IntN(24)), "changedate": ts(report+3, 2),
			"siteid": SiteID, "orgid": OrgID, "estdur": float64(1 + rng.IntN(8)),
			"targstartdate": ts(report+1, 8),
		}
		if l := leads[rng.IntN(len(leads))]; l != "" {
			w["lead"] = l
		} else {
			w["assignedownergroup"] = "MECH"
		}
		if f.code != "" {
			w["failurecode"] = f.code
		}
		if f.problem != "" {
			w["problemcode"] = f.problem
		}
		if f.remark != "" {
			w["failureremark"] = f.remark
		}
		addFailureReport(w, f.problem)
		addAssignment(w, i)
		wos = append(wos, w)
	}
	return wos
}

// plans are PM plans with job plans for every third piece of equipment
// (and P-101).
func (sd *seeder) plans(equipment []record) []record {
	rng, ts := sd.rng, sd.ts
	var pms []record
	units := []struct {
		unit string
		freq int
	}{{"DAYS", 30}, {"WEEKS", 2}, {"MONTHS", 3}, {"YEARS", 1}, {"DAYS", 7}}
	for i, eq := range equipment {
		if i%3 != 0 && eq["assetnum"] != "P-101" {
			continue
		}
		u := units[i%len(units)]
		st := "ACTIVE"
		if i%9 == 6 {
			st = "INACTIVE"
		}
		pms = append(pms, record{
			"pmnum": fmt.Sprintf("PM%04d", 100+i), "description": "Preventive maintenance " + eq["assetnum"].(string),
			"assetnum": eq["assetnum"], "location": eq["location"], "frequency": float64(u.freq), "frequnit": u.unit,
			"status": st, "siteid": SiteID, "orgid": OrgID, "jpnum": "JP-" + eq["assettype"].(string), "estdur": float64(1 + rng.IntN(6)),
			"craft": []string{"MECH", "ELEC", "INST"}[rng.IntN(3)], "nextdate": ts(310+rng.IntN(60), 6),
			"jobplan": []any{map[string]any{"jpnum": "JP-" + eq["assettype"].(string), "jobtask": []any{
				map[string]any{"jptask": 10, "description": "Inspect and record condition"},
				map[string]any{"jptask": 20, "description": "Lubricate per OEM schedule"},
				map[string]any{"jptask": 30, "description": "Check vibration and temperature"},
			}}},
		})
	}
	return pms
}

func numSuffix(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '-' {
			return s[i+1:]
		}
	}
	return s
}

// keyLess orders keys naturally enough for a stable listing.
func keyLess(a, b string) bool {
	if len(a) != len(b) && a[:min(2, len(a))] == b[:min(2, len(b))] {
		return len(a) < len(b)
	}
	return a < b
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func woDescription(asset string, i int) string {
	what := []string{"Investigate abnormal noise on", "Replace worn parts of", "Quarterly inspection of", "Lubrication round for",
		"Repair leak at", "Calibrate instrumentation on", "Vibration analysis of", "Upgrade guard on"}
	return what[i%len(what)] + " " + asset
}
