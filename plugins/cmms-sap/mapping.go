package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
)

// fields consumes properties of one entity; what is left over becomes the
// domain object's metadata (Z-fields and the like).
type fields map[string]any

// take returns the first non-empty of keys as a trimmed string and removes
// that key.
func (f fields) take(keys ...string) string {
	for _, k := range keys {
		if s := scalar(f[k]); s != "" {
			delete(f, k)
			return s
		}
	}
	return ""
}

// metadata returns the leftovers without empty values (nil when none).
func (f fields) metadata() map[string]any {
	var out map[string]any
	for k, v := range f {
		if v == nil || scalar(v) == "" && !isComposite(v) {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	return out
}

func isComposite(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// scalar renders a JSON scalar as a trimmed string ("" for others).
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// number parses an Edm.Decimal (a string in v2) or a JSON number.
func number(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f != f {
		return 0
	}
	return f
}

// parseDate reads SAP dates: /Date(ms[±offset])/ (ms are UTC), ISO 8601
// with or without zone (naive means UTC), YYYY-MM-DD and YYYYMMDD.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "00000000" {
		return time.Time{}, false
	}
	if inner, ok := strings.CutPrefix(s, "/Date("); ok {
		inner, ok = strings.CutSuffix(inner, ")/")
		if !ok {
			return time.Time{}, false
		}
		if i := strings.LastIndexAny(inner, "+-"); i > 0 {
			off := inner[i+1:]
			if len(off) == 0 || len(off) > 4 || strings.Trim(off, "0123456789") != "" {
				return time.Time{}, false
			}
			inner = inner[:i] // the offset is informational: ms are UTC
		}
		ms, err := strconv.ParseInt(inner, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// dateOr parses the first parseable of keys (consuming it), else now.
func (f fields) dateOr(now time.Time, keys ...string) time.Time {
	for _, k := range keys {
		if t, ok := parseDate(scalar(f[k])); ok {
			delete(f, k)
			return t
		}
	}
	return now
}

var categoryTypes = map[string]abi.AssetType{
	"M": abi.AssetRotating, "E": abi.AssetElectrical, "I": abi.AssetInstrument,
	"P": abi.AssetPiping, "H": abi.AssetHVAC, "S": abi.AssetSafety,
}

// mapAsset maps an API_EQUIPMENT entity.
func mapAsset(row map[string]any) abi.Asset {
	f := fields(row)
	a := abi.Asset{ID: f.take("Equipment", "EquipmentNumber")}
	a.Name = f.take("EquipmentName", "Description", "EquipmentDescription")
	if a.Name == "" {
		a.Name = a.ID
	}
	a.Type = abi.AssetRotating
	if cat := strings.ToUpper(scalar(f["EquipmentCategory"])); cat != "" {
		if t, ok := categoryTypes[cat]; ok {
			a.Type = t
		}
		delete(f, "EquipmentCategory")
	}
	a.Location = f.take("FunctionalLocation")
	a.Manufacturer = f.take("Manufacturer", "ManufacturerPartNmbr")
	a.Model = f.take("ModelNumber")
	a.SerialNumber = f.take("SerialNumber", "ManufacturerSerialNumber")
	switch strings.ToUpper(f.take("ABCIndicator")) {
	case "A":
		a.Criticality = abi.CriticalityA
	case "B":
		a.Criticality = abi.CriticalityB
	default:
		a.Criticality = abi.CriticalityC
	}
	a.Parent = f.take("SuperordinateEquipment")
	a.EquipmentClassCode = f.take("EquipmentClassCode")
	if t, ok := parseDate(scalar(f["OperationStartDate"])); ok {
		a.InstallDate = t.Format("2006-01-02")
		delete(f, "OperationStartDate")
	}
	a.Metadata = f.metadata()
	return a
}

var orderTypes = map[string]abi.WorkOrderType{"PM01": abi.TypeCorrective, "PM02": abi.TypePreventive, "PM03": abi.TypePredictive, "PM04": abi.TypeImprovement}
var priorityCodes = map[string]abi.Priority{"1": abi.PriorityEmergency, "2": abi.PriorityHigh, "3": abi.PriorityMedium, "4": abi.PriorityLow}

// statusOrder is the precedence of SAP system statuses: in a compound
// status the most progressed one wins.
var statusOrder = []struct {
	code   string
	status abi.Status
}{
	{"DLFL", abi.StatusCancelled}, {"CLSD", abi.StatusClosed}, {"TECO", abi.StatusClosed}, {"CNF", abi.StatusCompleted},
	{"PCNF", abi.StatusInProgress}, {"REL", abi.StatusAssigned}, {"CRTD", abi.StatusCreated},
}

// parseSystemStatus maps a compound system status such as "CRTD REL MANC"
// (DLFL > CLSD > TECO > CNF > PCNF > REL > CRTD); unknown → created.
func parseSystemStatus(compound string) abi.Status {
	toks := map[string]bool{}
	for _, t := range strings.Fields(strings.ToUpper(compound)) {
		toks[t] = true
	}
	for _, s := range statusOrder {
		if toks[s.code] {
			return s.status
		}
	}
	return abi.StatusCreated
}

// statusCode is the reverse mapping used for writes.
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

// statusCodes lists the codes that map to s (for server-side prefilters).
func statusCodes(s abi.Status) []string {
	var out []string
	for _, e := range statusOrder {
		if e.status == s {
			out = append(out, e.code)
		}
	}
	return out
}

func orderTypeCode(t abi.WorkOrderType) string {
	for k, v := range orderTypes {
		if v == t {
			return k
		}
	}
	return "PM01"
}

func priorityCode(p abi.Priority) string {
	for k, v := range priorityCodes {
		if v == p {
			return k
		}
	}
	return "3"
}

// mapWorkOrder maps an API_MAINTENANCEORDER entity.
func mapWorkOrder(row map[string]any, now time.Time) abi.WorkOrder {
	f := fields(row)
	w := abi.WorkOrder{ID: f.take("MaintenanceOrder")}
	w.Type = abi.TypeCorrective
	if t, ok := orderTypes[strings.ToUpper(f.take("MaintenanceOrderType"))]; ok {
		w.Type = t
	}
	w.Priority = abi.PriorityMedium
	if p, ok := priorityCodes[f.take("MaintPriority")]; ok {
		w.Priority = p
	}
	raw := f.take("MaintenanceOrderSystemStatus")
	w.Status = parseSystemStatus(raw)
	w.AssetID = f.take("Equipment")
	w.Description = f.take("MaintenanceOrderDesc")
	w.AssignedTo = f.take("MaintOrdPersonResponsible")
	w.FailureMode = f.take("MaintenanceActivityType")
	w.FailureCause = f.take("MaintenanceCause", "MaintNotifCause")
	w.CreatedAt = f.dateOr(now, "CreationDate", "MaintOrdBasicStartDate")
	w.UpdatedAt = f.dateOr(now, "LastChangeDateTime", "MaintOrdBasicEndDate")
	w.Metadata = f.metadata()
	if raw != "" {
		if w.Metadata == nil {
			w.Metadata = map[string]any{}
		}
		w.Metadata["system_status"] = raw
	}
	return w
}

// mapSparePart maps a BOM item (or material) entity.
func mapSparePart(row map[string]any, materialField, equipmentField string) abi.SparePart {
	f := fields(row)
	p := abi.SparePart{SKU: f.take(materialField, "Material")}
	p.Name = f.take("MaterialDescription", "ComponentDescription", "BillOfMaterialItemDescription")
	if p.Name == "" {
		p.Name = p.SKU
	}
	p.Manufacturer = f.take("Manufacturer")
	p.StockQuantity = abi.Quantity(number(f.take("AvailableQuantity", "Quantity")))
	p.UnitCost = abi.Quantity(number(f.take("StandardPrice", "Price")))
	p.WarehouseLocation = f.take("StorageLocation", "Plant")
	p.ReorderPoint = number(f.take("ReorderPoint"))
	p.LeadTimeDays = number(f.take("LeadTimeDays"))
	if equipmentField != "" {
		if eq := f.take(equipmentField); eq != "" {
			p.CompatibleAssets = []string{eq}
		}
	}
	p.Metadata = f.metadata()
	return p
}

// mapPlan maps an API_MAINTENANCEPLAN entity.
func mapPlan(row map[string]any) abi.MaintenancePlan {
	f := fields(row)
	p := abi.MaintenancePlan{ID: f.take("MaintenancePlan")}
	p.AssetID = f.take("Equipment", "FunctionalLocation")
	p.Name = f.take("MaintenancePlanDesc")
	if p.Name == "" {
		p.Name = p.ID
	}
	v := number(f.take("MaintPlanCycleValue", "CycleValue", "MaintenanceCycle"))
	switch strings.ToUpper(f.take("MaintPlanCycleUnit", "CycleUnit", "MaintenanceCycleUnit")) {
	case "WK", "WOC", "WEEK":
		p.Interval.Weeks = v
	case "MON", "MONTH":
		p.Interval.Months = v
	case "H", "STD", "HR":
		p.Interval.Hours = v
	default: // DAY, TAG
		p.Interval.Days = v
	}
	p.Active = !strings.Contains(strings.ToUpper(f.take("MaintenancePlanStatus", "SystemStatus")), "INAC")
	p.EstimatedDurationHours = number(f.take("PlannedWorkHours"))
	if t := f.take("TaskListDesc"); t != "" {
		p.Tasks = []string{t}
	}
	return p
}
