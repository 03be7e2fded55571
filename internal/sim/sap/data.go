package sap

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// record is one OData entity as its properties. Date properties hold
// time.Time values and are rendered per protocol version.
type record map[string]any

// Entity set names (service/set), for Records and Record.
const (
	SetEquipment    = "API_EQUIPMENT/Equipment"
	SetOrder        = "API_MAINTENANCEORDER/MaintenanceOrder"
	SetPlan         = "API_MAINTENANCEPLAN/MaintenancePlan"
	SetNotification = "API_MAINTNOTIFICATION/MaintenanceNotification"
	SetBOMItem      = "API_BILL_OF_MATERIAL_SRV/BillOfMaterialItem"
)

// Plant is the maintenance planning plant of the seeded data.
const Plant = "1010"

// kind of a property, for rendering.
type kind int

const (
	kString kind = iota
	kDate        // Edm.DateTime (v2) / Edm.Date (v4)
	kStamp       // Edm.DateTimeOffset
)

// entitySet describes one served entity set.
type entitySet struct {
	service, name, key, typeName string
	props                        map[string]kind
}

func (e entitySet) id() string { return e.service + "/" + e.name }

func props(dates, stamps []string, names ...string) map[string]kind {
	m := map[string]kind{}
	for _, n := range names {
		m[n] = kString
	}
	for _, n := range dates {
		m[n] = kDate
	}
	for _, n := range stamps {
		m[n] = kStamp
	}
	return m
}

var entitySets = []entitySet{
	{"API_EQUIPMENT", "Equipment", "Equipment", "EquipmentType", props([]string{"OperationStartDate", "ValidityStartDate"}, []string{"LastChangeDateTime"},
		"Equipment", "EquipmentName", "EquipmentCategory", "TechnicalObjectType", "EquipmentClassCode", "FunctionalLocation", "SuperordinateEquipment",
		"Manufacturer", "ModelNumber", "SerialNumber", "ABCIndicator", "MaintenancePlanningPlant", "MaintenancePlant", "PlantSection",
		"ConstructionYear", "GrossWeight", "ZZ_AreaCode")},
	{"API_MAINTENANCEORDER", "MaintenanceOrder", "MaintenanceOrder", "MaintenanceOrderType", props([]string{"CreationDate", "MaintOrdBasicStartDate", "MaintOrdBasicEndDate"}, []string{"LastChangeDateTime"},
		"MaintenanceOrder", "MaintenanceOrderDesc", "MaintenanceOrderType", "MaintPriority", "MaintenanceOrderSystemStatus", "Equipment",
		"FunctionalLocation", "MaintOrdPersonResponsible", "MaintenanceActivityType", "MaintenanceCause", "MaintenancePlanningPlant",
		"MainWorkCenter", "MaintenancePlan", "MaintenanceNotification", "ZZ_ShiftCode")},
	{"API_MAINTENANCEPLAN", "MaintenancePlan", "MaintenancePlan", "MaintenancePlanType", props([]string{"MaintPlanStartDate"}, nil,
		"MaintenancePlan", "MaintenancePlanDesc", "Equipment", "FunctionalLocation", "MaintPlanCycleValue", "MaintPlanCycleUnit",
		"MaintenancePlanStatus", "MaintenancePlanningPlant", "MainWorkCenter", "TaskListDesc", "PlannedWorkHours")},
	{"API_MAINTNOTIFICATION", "MaintenanceNotification", "MaintenanceNotification", "MaintenanceNotificationType", props([]string{"NotificationCreationDate"}, nil,
		"MaintenanceNotification", "NotificationText", "NotificationType", "Equipment", "MaintPriority", "MaintNotifInternalStatus", "MaintenanceOrder")},
	{"API_BILL_OF_MATERIAL_SRV", "BillOfMaterialItem", "BillOfMaterialItemNodeNumber", "BillOfMaterialItemType", props(nil, nil,
		"BillOfMaterial", "BillOfMaterialItemNodeNumber", "BillOfMaterialItemNumber", "BillOfMaterialComponent", "ComponentDescription",
		"MaterialDescription", "BillOfMaterialItemQuantity", "BillOfMaterialItemUnit", "Equipment", "Plant", "AvailableQuantity",
		"StandardPrice", "Currency", "StorageLocation", "Manufacturer", "ReorderPoint", "LeadTimeDays")},
}

func lookupSet(service, name string) (entitySet, bool) {
	for _, e := range entitySets {
		if e.service == service && e.name == name {
			return e, true
		}
	}
	return entitySet{}, false
}

func knownService(service string) bool {
	for _, e := range entitySets {
		if e.service == service {
			return true
		}
	}
	return false
}

// dataset is the simulator's state: records per entity set id, in key
// order.
type dataset struct {
	records   map[string][]record
	nextOrder int
}

type equipKind struct {
	prefix, noun, category, class, objType, manufacturer, model string
}

var equipKinds = []equipKind{
	{"P", "Centrifugal pump", "M", "PU", "PUMP", "KSB", "Etanorm 065-040"},
	{"M", "Induction motor", "E", "EM", "MOTOR", "Siemens", "1LE1003-1DB2"},
	{"C", "Screw compressor", "M", "CO", "COMPR", "Kaeser", "ASD 40"},
	{"HX", "Plate heat exchanger", "P", "HE", "HEATEX", "Alfa Laval", "M10-BFG"},
	{"V", "Control valve", "P", "VA", "VALVE", "Samson", "3241"},
	{"TT", "Temperature transmitter", "I", "IP", "INSTR", "Endress+Hauser", "iTEMP TMT82"},
	{"AH", "Air handling unit", "H", "HV", "AHU", "Trane", "CLCP"},
	{"FD", "Fire detection panel", "S", "FS", "SAFETY", "Siemens", "FC2060"},
}

var areas = []struct{ code, name string }{
	{"A1", "Utilities"}, {"A2", "Mixing"}, {"A3", "Filling"},
}

var statuses = []string{
	"CRTD", "CRTD MANC", "REL", "REL MANC", "REL PCNF", "REL PCNF MANC", "REL CNF", "REL CNF NMAT",
	"REL CNF TECO", "REL TECO", "TECO CLSD", "REL CNF TECO CLSD", "CRTD DLFL", "REL DLFL",
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

// seedData builds the plant: ≥ 60 equipment under functional locations
// 1010-<area>-<line>, orders across every status, plans, BOM items.
func seedData(seed uint64, minEquipment int) *dataset {
	rng := rand.New(rand.NewPCG(seed, 0x5a9))
	base := time.Date(2024, 1, 8, 6, 0, 0, 0, time.UTC)
	d := &dataset{records: map[string][]record{}, nextOrder: 4000100}
	var equipment []record
	n := 10000000
	addEq := func(k equipKind, floc, parent, tag string) record {
		n++
		r := record{
			"Equipment":                fmt.Sprint(n),
			"EquipmentName":            k.noun + " " + tag,
			"EquipmentCategory":        k.category,
			"TechnicalObjectType":      k.objType,
			"EquipmentClassCode":       k.class,
			"FunctionalLocation":       floc,
			"SuperordinateEquipment":   parent,
			"Manufacturer":             k.manufacturer,
			"ModelNumber":              k.model,
			"SerialNumber":             fmt.Sprintf("%s-%06d", k.prefix, rng.IntN(1000000)),
			"ABCIndicator":             []string{"A", "B", "C", "C"}[rng.IntN(4)],
			"MaintenancePlanningPlant": Plant,
			"MaintenancePlant":         Plant,
			"PlantSection":             floc[5:7],
			"ConstructionYear":         fmt.Sprint(2008 + rng.IntN(15)),
			"OperationStartDate":       base.AddDate(-1-rng.IntN(12), rng.IntN(12), 0).Truncate(24 * time.Hour),
			"ValidityStartDate":        base.AddDate(-12, 0, 0).Truncate(24 * time.Hour),
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
	d.records[SetEquipment] = equipment

	var orders []record
	for i := 0; i < 48; i++ {
		eq := equipment[(i*7)%min(len(equipment), 60)]
		st := statuses[i%len(statuses)]
		created := base.AddDate(0, 0, i*3)
		r := record{
			"MaintenanceOrder":             fmt.Sprint(4000001 + i),
			"MaintenanceOrderDesc":         []string{"Replace mechanical seal", "Inspect bearings", "Vibration analysis", "Lubrication round", "Upgrade guard", "Calibrate transmitter"}[i%6] + " " + eq["EquipmentName"].(string),
			"MaintenanceOrderType":         []string{"PM01", "PM02", "PM03", "PM04"}[i%4],
			"MaintPriority":                fmt.Sprint(1 + i%4),
			"MaintenanceOrderSystemStatus": st,
			"Equipment":                    eq["Equipment"],
			"FunctionalLocation":           eq["FunctionalLocation"],
			"MaintenanceActivityType":      []string{"001", "002", "003", ""}[i%4],
			"MaintenanceCause":             []string{"", "WEAR", "LEAK", "OVHT"}[i%4],
			"MaintenancePlanningPlant":     Plant,
			"MainWorkCenter":               []string{"MECH-01", "ELEC-01", "INST-01"}[i%3],
			"CreationDate":                 created.Truncate(24 * time.Hour),
			"MaintOrdBasicStartDate":       created.AddDate(0, 0, 1).Truncate(24 * time.Hour),
			"MaintOrdBasicEndDate":         created.AddDate(0, 0, 3).Truncate(24 * time.Hour),
			"LastChangeDateTime":           created.Add(time.Duration(30+i) * time.Hour),
			"ZZ_ShiftCode":                 []string{"A", "B", "C"}[i%3],
		}
		if i%3 != 0 {
			r["MaintOrdPersonResponsible"] = []string{"", "JSMITH", "MKOWALSKI"}[i%3]
		}
		if r["MaintenanceCause"] == "" {
			delete(r, "MaintenanceCause")
		}
		orders = append(orders, r)
	}
	d.records[SetOrder] = orders

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
	d.records[SetPlan] = plans

	var notifs []record
	for i := 0; i < 6; i++ {
		eq := equipment[i*5]
		notifs = append(notifs, record{
			"MaintenanceNotification": fmt.Sprint(10000101 + i), "NotificationText": "Abnormal noise on " + eq["EquipmentName"].(string),
			"NotificationType": "M2", "Equipment": eq["Equipment"], "MaintPriority": fmt.Sprint(1 + i%4),
			"MaintNotifInternalStatus": "OSNO", "NotificationCreationDate": base.AddDate(0, 1, i).Truncate(24 * time.Hour),
		})
	}
	d.records[SetNotification] = notifs

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
	d.records[SetBOMItem] = bom
	return d
}
