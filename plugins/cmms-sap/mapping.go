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

// mapper maps SAP entities to domain objects with the site's code maps.
type mapper struct {
	orderTypes codeMap[abi.WorkOrderType]
	priorities codeMap[abi.Priority]
	categories codeMap[abi.AssetType]
	phases     codeMap[abi.Status]
	aliases    map[string]string // language-specific status short text → code
}

// mapAsset maps an API_EQUIPMENT entity. Field names are the published
// ones (AssetManufacturerName, ManufacturerPartTypeName,
// ManufacturerSerialNumber); the reference's Manufacturer and ModelNumber
// are read when a service returns them.
func (m *mapper) mapAsset(row map[string]any) (abi.Asset, unmapped) {
	f := fields(row)
	var u unmapped
	a := abi.Asset{ID: f.take("Equipment", "EquipmentNumber")}
	a.Name = f.take("EquipmentName", "Description", "EquipmentDescription")
	if a.Name == "" {
		a.Name = a.ID
	}
	a.Type = fallbackAssetType
	if cat := scalar(f["EquipmentCategory"]); cat != "" {
		if t, ok := m.categories.lookup(cat); ok {
			a.Type = t
		} else {
			u.note(kindEquipmentCategory, cat)
		}
	}
	a.Location = f.take("FunctionalLocation")
	a.Manufacturer = f.take("AssetManufacturerName", "Manufacturer")
	a.Model = f.take("ManufacturerPartTypeName", "ModelNumber")
	a.SerialNumber = f.take("ManufacturerSerialNumber", "SerialNumber")
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
	return a, u
}

// Order fields that carry the status, most authoritative first:
// SystemStatusText is what SAP's published API returns;
// MaintenanceOrderSystemStatus is the reference's name, read when a
// service returns it.
var statusFields = []string{"SystemStatusText", "MaintenanceOrderSystemStatus"}

// orderStatus reads the order's status from its system status (the most
// advanced life-cycle code wins), else from its process phase through the
// site's process_phase_map. What it read goes to md.
func (m *mapper) orderStatus(f fields, md map[string]any, u *unmapped) abi.Status {
	raw := ""
	for _, k := range statusFields {
		if raw = f.take(k); raw == "" {
			continue
		}
		st := parseSystemStatus(raw, m.aliases)
		md["system_status"], md["system_status_codes"], md["status_source"] = raw, st.codes, k
		if st.found {
			return st.status
		}
		break
	}
	if phase := f.take("MaintOrdProcessPhaseCode"); phase != "" {
		md["process_phase"] = phase
		if sub := f.take("MaintOrdProcessSubPhaseCode"); sub != "" {
			md["process_sub_phase"] = sub
		}
		if st, ok := m.phases.lookup(phase); ok {
			md["status_source"] = "MaintOrdProcessPhaseCode"
			return st
		}
		u.note(kindProcessPhase, phase)
	}
	if raw == "" {
		md["status_source"] = "none"
	}
	u.note(kindSystemStatus, raw)
	return fallbackStatus
}

// statusOf returns an order entity's status without consuming the entity.
func (m *mapper) statusOf(row map[string]any) abi.Status {
	f := fields{}
	for _, k := range append(statusFields, "MaintOrdProcessPhaseCode") {
		f[k] = row[k]
	}
	var u unmapped
	return m.orderStatus(f, map[string]any{}, &u)
}

// mapWorkOrder maps an API_MAINTENANCEORDER entity. Failure data is not
// on the order (MaintenanceActivityType is an activity type, kept as
// metadata.activity_type); it comes from the linked notification
// (failure.go).
func (m *mapper) mapWorkOrder(row map[string]any, now time.Time) (abi.WorkOrder, unmapped) {
	f := fields(row)
	var u unmapped
	md := map[string]any{}
	w := abi.WorkOrder{ID: f.take("MaintenanceOrder")}
	w.Type = fallbackOrderType
	if code := scalar(f["MaintenanceOrderType"]); code != "" {
		if t, ok := m.orderTypes.lookup(code); ok {
			w.Type = t
		} else {
			u.note(kindOrderType, code)
		}
	}
	// "" is no priority at all (real SAP data has MaintPriority ""): the
	// default, without a warning.
	w.Priority = fallbackPriority
	if code := scalar(f["MaintPriority"]); code != "" {
		if p, ok := m.priorities.lookup(code); ok {
			w.Priority = p
		} else {
			u.note(kindPriority, code)
		}
	}
	w.Status = m.orderStatus(f, md, &u)
	if us := f.take("UserStatusText"); us != "" {
		md["user_status"] = us
	}
	if at := f.take("MaintenanceActivityType"); at != "" {
		md["activity_type"] = at
	}
	w.AssetID = f.take("Equipment")
	w.Description = f.take("MaintenanceOrderDesc")
	w.AssignedTo = f.take("MaintOrdPersonResponsible")
	w.CreatedAt = f.dateOr(now, "CreationDate", "MaintOrdBasicStartDate")
	w.UpdatedAt = f.dateOr(now, "LastChangeDateTime", "MaintOrdBasicEndDate")
	w.Metadata = f.metadata()
	if w.Metadata == nil {
		w.Metadata = map[string]any{}
	}
	for k, v := range md {
		w.Metadata[k] = v
	}
	return w, u
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
