package sap

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Plant is the maintenance planning plant of the seeded data.
const Plant = "1010"

// dataset is the simulator's state: records per entity set id, in key
// order.
type dataset struct {
	records   map[string][]record
	nextOrder int
}

type equipKind struct {
	prefix, noun, category, objType, manufacturer, model string
}

// equipKinds of the generated plant. Categories are SAP's reference M
// (machines) and customer letters (E electrical, I instruments, H HVAC, F
// fire protection); none is P or S, whose SAP meanings (production
// resources/tools, customer equipment) these assets are not.
var equipKinds = []equipKind{
	{"P", "Centrifugal pump", "M", "PUMP", "KSB", "Etanorm 065-040"},
	{"M", "Induction motor", "E", "MOTOR", "Siemens", "1LE1003-1DB2"},
	{"C", "Screw compressor", "M", "COMPR", "Kaeser", "ASD 40"},
	{"HX", "Plate heat exchanger", "M", "HEATEX", "Alfa Laval", "M10-BFG"},
	{"V", "Control valve", "M", "VALVE", "Samson", "3241"},
	{"TT", "Temperature transmitter", "I", "INSTR", "Endress+Hauser", "iTEMP TMT82"},
	{"AH", "Air handling unit", "H", "AHU", "Trane", "CLCP"},
	{"FD", "Fire detection panel", "F", "SAFETY", "Siemens", "FC2060"},
}

var areas = []struct{ code, name string }{
	{"A1", "Utilities"}, {"A2", "Mixing"}, {"A3", "Filling"},
}

// statuses of the generated orders: life-cycle codes with the material,
// costing and settlement codes real orders carry.
var statuses = []string{
	"CRTD", "CRTD MANC", "REL", "REL MANC", "REL PCNF", "REL PCNF MANC", "REL CNF", "REL CNF NMAT",
	"REL CNF TECO", "REL TECO", "TECO CLSD", "REL CNF TECO CLSD", "CRTD DLFL", "REL DLFL",
}

// statusText renders system status codes as SystemStatusText does: each
// code padded to four characters, separated by one space.
func statusText(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = fmt.Sprintf("%-4s", c)
	}
	return strings.TrimRight(strings.Join(out, " "), " ")
}

var parts = []struct{ mat, desc, mfr string }{
	{"MAT-BRG-6205", "Deep groove ball bearing 6205-2RS", "SKF"},
	{"MAT-SEAL-M7N", "Mechanical seal M7N 40 mm", "EagleBurgmann"},
	{"MAT-IMP-065", "Impeller D 165 mm", "KSB"},
	{"MAT-CPL-N75", "Flexible coupling N-EUPEX 75", "Flender"},
	{"MAT-FLT-AIR", "Air filter element", "Kaeser"},
	{"MAT-OIL-46", "Hydraulic oil ISO VG 46, 20 l", "Shell"},
	{"MAT-GSK-DN50", "Gasket DN50 PN16", "Klinger"},
	{"MAT-FUSE-16A", "Fuse 16 A gG", "ABB"},
	{"MAT-VBELT-SPA", "V-belt SPA 1250", "Gates"},
	{"MAT-SENS-PT100", "PT100 sensor insert", "Endress+Hauser"},
}

// Standard and customer order types. A system with customer codes
// (Options.CustomerCodes) defines only the customer ones (YBA1 and YBA2
// appear in SAP's sandbox; YBA3 and YBA4 are composed).
var (
	standardOrderTypes = []string{"PM01", "PM02", "PM03", "PM04"}
	customerOrderTypes = []string{"YBA1", "YBA2", "YBA3", "YBA4"}
)

// validityEnd is the ValidityEndDate of current equipment (9999-12-31).
var validityEnd = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// seedData builds the plant: the vendor corpus records, plus ≥ 60
// generated equipment under functional locations 1010-<area>-<line>,
// orders across every status, notifications with damage and cause codes,
// plans and BOM items.
func seedData(c *catalog, seed uint64, minEquipment int, customer bool) (*dataset, error) {
	d, err := corpusRecords(c)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a9))
	base := time.Date(2024, 1, 8, 6, 0, 0, 0, time.UTC)
	equipment := generateEquipment(rng, base, minEquipment)
	orders, notifs := generateOrders(equipment, base, customer)
	ds := &dataset{records: map[string][]record{}, nextOrder: 4100000}
	ds.records[SetEquipment] = append(append(d[SetEquipment], supportEquipment()...), equipment...)
	ds.records[SetOrder] = append(d[SetOrder], orders...)
	ds.records[SetNotification] = append(d[SetNotification], notifs...)
	ds.records[SetPlan] = generatePlans(append(corpusAnchors(), equipment...), base)
	ds.records[SetBOMItem] = generateBOM(rng, append(corpusAnchors(), equipment...))
	return ds, nil
}

// supportEquipment is the equipment the corpus orders name that the
// corpus equipment file does not hold: order 4000000's 217100002, with the
// name, location and plant the sandbox order gives it (composed).
func supportEquipment() []record {
	return []record{{
		"Equipment": "217100002", "ValidityEndDate": validityEnd, "EquipmentName": "Control Valve", "EquipmentCategory": "M",
		"FunctionalLocation": "1710-SPA-SAC-PLAR1-INLT-SCTV", "MaintenancePlanningPlant": "1710", "MaintenancePlant": "1710",
		"AssetLocation": "YB_1701", "PlantSection": "YOH", "ABCIndicator": "B",
	}}
}

// corpusAnchors are corpus equipment that get generated plans and BOM
// items too (only the fields those generators read).
func corpusAnchors() []record {
	return []record{{"Equipment": "210100094", "EquipmentName": "Cooling Water Circulation Pump", "EquipmentCategory": "M", "FunctionalLocation": "1010-CWS-WCS-CWCP1"}}
}

func generateEquipment(rng *rand.Rand, base time.Time, minEquipment int) []record {
	var equipment []record
	n := 10000000
	addEq := func(k equipKind, floc, parent, tag string) record {
		n++
		r := record{
			"Equipment":                fmt.Sprint(n),
			"ValidityEndDate":          validityEnd,
			"ValidityStartDate":        base.AddDate(-12, 0, 0).Truncate(24 * time.Hour),
			"EquipmentName":            k.noun + " " + tag,
			"EquipmentCategory":        k.category,
			"TechnicalObjectType":      k.objType,
			"FunctionalLocation":       floc,
			"SuperordinateEquipment":   parent,
			"AssetManufacturerName":    k.manufacturer,
			"ManufacturerPartTypeName": k.model,
			"ManufacturerSerialNumber": fmt.Sprintf("%s-%06d", k.prefix, rng.IntN(1000000)),
			"ABCIndicator":             []string{"A", "B", "C", "C"}[rng.IntN(4)],
			"MaintenancePlanningPlant": Plant,
			"MaintenancePlant":         Plant,
			"PlantSection":             floc[5:7],
			"ConstructionYear":         fmt.Sprint(2008 + rng.IntN(15)),
			"GrossWeight":              fmt.Sprintf("%.3f", 20+rng.Float64()*900),
			"OperationStartDate":       base.AddDate(-1-rng.IntN(12), rng.IntN(12), 0).Truncate(24 * time.Hour),
			"CreationDate":             base.AddDate(-12, 0, 0).Truncate(24 * time.Hour),
			"LastChangeDateTime":       base.Add(time.Duration(rng.IntN(2000)) * time.Hour),
			"ZZ_AreaCode":              floc[5:7],
		}
		if parent == "" {
			delete(r, "SuperordinateEquipment")
		}
		equipment = append(equipment, r)
		return r
	}
	line := 0
	for _, a := range areas {
		for l := 1; l <= 3; l++ {
			line++
			floc := fmt.Sprintf("%s-%s-L%02d", Plant, a.code, l)
			for i := 0; i < 3; i++ {
				k := equipKinds[(line+i)%len(equipKinds)]
				if i == 0 {
					k = equipKinds[0] // every line has a pump with its motor
				}
				tag := fmt.Sprintf("%s-%d%02d", k.prefix, line, i+1)
				eq := addEq(k, floc, "", tag)
				if k.prefix == "P" || k.prefix == "C" {
					addEq(equipKinds[1], floc, eq["Equipment"].(string), "M-"+tag)
				}
				if i == 2 {
					addEq(equipKinds[5], floc, eq["Equipment"].(string), "TT-"+tag)
				}
			}
		}
		addEq(equipKinds[6], fmt.Sprintf("%s-%s-L00", Plant, a.code), "", a.code+"-AHU")
		addEq(equipKinds[7], fmt.Sprintf("%s-%s-L00", Plant, a.code), "", a.code+"-FDP")
	}
	for len(equipment) < 60 || len(equipment) < minEquipment {
		k := equipKinds[len(equipment)%len(equipKinds)]
		a := areas[len(equipment)%len(areas)]
		addEq(k, fmt.Sprintf("%s-%s-L%02d", Plant, a.code, 4+len(equipment)%5), "", fmt.Sprintf("X%03d", len(equipment)))
	}
	// the first pump is the most critical asset of the plant
	equipment[0]["ABCIndicator"] = "A"
	return equipment
}

// Damage and cause catalog codes of the generated notifications
// (composed; the corpus notification uses SAP's YB-PMME1 catalog).
var damages = []struct{ code, text string }{{"LEAK", "Leakage"}, {"WEAR", "Wear"}, {"VIBR", "Vibration"}, {"OVHT", "Overheating"}}
var causes = []struct{ code, text string }{{"AGE", "Ageing"}, {"LUBR", "Lubrication missing"}, {"MISU", "Operating error"}, {"DSGN", "Design fault"}}

func generateOrders(equipment []record, base time.Time, customer bool) (orders, notifs []record) {
	types := standardOrderTypes
	if customer {
		types = customerOrderTypes
	}
	for i := 0; i < 48; i++ {
		eq := equipment[(i*7)%min(len(equipment), 60)]
		created := base.AddDate(0, 0, i*3)
		r := record{
			"MaintenanceOrder":         fmt.Sprint(4000101 + i),
			"MaintenanceOrderDesc":     []string{"Replace mechanical seal", "Inspect bearings", "Vibration analysis", "Lubrication round", "Upgrade guard", "Calibrate transmitter"}[i%6] + " " + eq["EquipmentName"].(string),
			"MaintenanceOrderType":     types[i%4],
			"MaintPriority":            []string{"1", "2", "3", "4", ""}[i%5],
			"SystemStatusText":         statusText(strings.Fields(statuses[i%len(statuses)])),
			"UserStatusText":           []string{"", "INWK", "", "WAPP"}[i%4],
			"Equipment":                eq["Equipment"],
			"EquipmentName":            eq["EquipmentName"],
			"FunctionalLocation":       eq["FunctionalLocation"],
			"MaintenanceActivityType":  []string{"001", "002", "003", ""}[i%4],
			"MaintenancePlanningPlant": Plant,
			"MainWorkCenter":           []string{"MECH-01", "ELEC-01", "INST-01"}[i%3],
			"MaintOrdBasicStartDate":   created.Truncate(24 * time.Hour),
			"MaintOrdBasicEndDate":     created.AddDate(0, 0, 3).Truncate(24 * time.Hour),
			"LastChangeDateTime":       created.Add(time.Duration(30+i) * time.Hour),
			"MaintOrdProcessPhaseCode": "",
			"MaintenanceNotification":  "",
			"ZZ_ShiftCode":             []string{"A", "B", "C"}[i%3],
		}
		if i%3 != 0 {
			r["MaintOrdPersonResponsible"] = []string{"", "JSMITH", "MKOWALSKI"}[i%3]
		}
		if i%4 == 1 { // a breakdown reported by a notification
			id := fmt.Sprint(10000101 + len(notifs))
			r["MaintenanceNotification"] = id
			notifs = append(notifs, notification(id, r, len(notifs), created))
		}
		orders = append(orders, r)
	}
	return orders, notifs
}

// notification is a generated M2 notification for order o with one item
// (damage and object part) and one cause.
func notification(id string, o record, n int, created time.Time) record {
	dmg, cause := damages[n%len(damages)], causes[n%len(causes)]
	return record{
		"MaintenanceNotification": id, "NotificationText": "Breakdown: " + o["MaintenanceOrderDesc"].(string), "NotificationType": "M2",
		"Equipment": o["Equipment"], "MaintPriority": o["MaintPriority"], "MaintenanceOrder": o["MaintenanceOrder"],
		"MaintenanceOrderType": o["MaintenanceOrderType"], "NotificationCreationDate": created.Truncate(24 * time.Hour),
		"MaintenanceObjectIsDown": n%2 == 0, "NotifProcessingPhase": "3", "NotifProcessingPhaseDesc": "In process",
		"to_Item": []record{{
			"MaintenanceNotification": id, "MaintenanceNotificationItem": "1",
			"MaintNotifDamageCodeGroup": "PM-DAMG", "MaintNotificationDamageCode": dmg.code, "MaintNotifDamageCodeName": dmg.text,
			"MaintNotifObjPrtCodeGroup": "PM-OBJP", "MaintNotifObjPrtCode": "SEAL", "MaintNotifObjPrtCodeName": "Seal", "IsDeleted": false,
			"to_ItemCause": []record{{
				"MaintenanceNotification": id, "MaintenanceNotificationItem": "1", "MaintenanceNotificationCause": "1",
				"MaintNotifCauseCodeGroup": "PM-CAUS", "MaintNotificationCauseCode": cause.code, "MaintNotificationCauseCodeName": cause.text,
				"IsDeleted": false,
			}},
		}},
	}
}

func generatePlans(equipment []record, base time.Time) []record {
	var plans []record
	units := []struct{ v, u string }{{"30", "DAY"}, {"2", "WK"}, {"3", "MON"}, {"6", "MON"}, {"14", "TAG"}, {"1", "WOC"}}
	for i := 0; i < 18; i++ {
		eq := equipment[(i*3)%len(equipment)]
		u := units[i%len(units)]
		r := record{
			"MaintenancePlan":          fmt.Sprint(300001 + i),
			"MaintenancePlanDesc":      []string{"Lubrication", "Inspection", "Filter change", "Overhaul"}[i%4] + " " + eq["EquipmentName"].(string),
			"Equipment":                eq["Equipment"],
			"FunctionalLocation":       eq["FunctionalLocation"],
			"MaintPlanCycleValue":      u.v,
			"MaintPlanCycleUnit":       u.u,
			"MaintenancePlanStatus":    "",
			"MaintenancePlanningPlant": Plant,
			"MainWorkCenter":           "MECH-01",
			"TaskListDesc":             "Standard task list",
			"PlannedWorkHours":         fmt.Sprintf("%.1f", float64(1+i%6)),
			"MaintPlanStartDate":       base.AddDate(-1, i%12, 0).Truncate(24 * time.Hour),
		}
		if i%7 == 6 {
			r["MaintenancePlanStatus"] = "INAC"
		}
		plans = append(plans, r)
	}
	return plans
}

func generateBOM(rng *rand.Rand, equipment []record) []record {
	var bom []record
	node := 0
	for i, eq := range equipment {
		if eq["EquipmentCategory"] != "M" && eq["EquipmentCategory"] != "E" && i%4 != 0 {
			continue
		}
		for j := 0; j < 2+i%2; j++ {
			p := parts[(i+j*3)%len(parts)]
			node++
			bom = append(bom, record{
				"BillOfMaterial":               "EQ" + eq["Equipment"].(string),
				"BillOfMaterialItemNodeNumber": fmt.Sprint(node),
				"BillOfMaterialItemNumber":     fmt.Sprintf("%04d", (j+1)*10),
				"BillOfMaterialComponent":      p.mat,
				"ComponentDescription":         p.desc,
				"MaterialDescription":          p.desc,
				"BillOfMaterialItemQuantity":   fmt.Sprintf("%d.000", 1+j),
				"BillOfMaterialItemUnit":       "PC",
				"Equipment":                    eq["Equipment"],
				"Plant":                        Plant,
				"AvailableQuantity":            fmt.Sprintf("%d.000", rng.IntN(20)),
				"StandardPrice":                fmt.Sprintf("%.2f", 5+rng.Float64()*400),
				"Currency":                     "EUR",
				"StorageLocation":              "0001",
				"Manufacturer":                 p.mfr,
				"ReorderPoint":                 "2.000",
				"LeadTimeDays":                 fmt.Sprint(3 + rng.IntN(30)),
			})
		}
	}
	return bom
}
