package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// fields consumes properties of one entity; what is left over becomes the
// domain object's metadata (Z-fields and the like).
type fields map[string]any

// take returns the first non-empty of keys as a trimmed string and removes
// that key.
func (f fields) take(keys ...string) string {
	for _, k := range keys {
		if s := pdk.Scalar(f[k]); s != "" {
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
		if v == nil || pdk.Scalar(v) == "" && !isComposite(v) {
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
		if t, ok := parseDate(pdk.Scalar(f[k])); ok {
			delete(f, k)
			return t
		}
	}
	return now
}

// mapper maps SAP entities to domain objects with the site's code tables.
// Unknown codes map to the documented fallbacks, keep their raw value in
// metadata.unmapped and are reported as notices (pdk.CodeTable.Map).
type mapper struct {
	orderTypes     pdk.CodeTable[abi.WorkOrderType]
	priorities     pdk.CodeTable[abi.Priority]
	categories     pdk.CodeTable[abi.AssetType]
	phases         pdk.CodeTable[abi.Status]
	siteOrderTypes []string          // order types the site mapped (preferred for writes)
	sitePriorities []string          // priorities the site mapped
	aliases        map[string]string // language-specific status short text → code
}

// mapAsset maps an API_EQUIPMENT entity. Field names are the published
// ones (AssetManufacturerName, ManufacturerPartTypeName,
// ManufacturerSerialNumber); the reference's Manufacturer and ModelNumber
// are read when a service returns them.
func (m *mapper) mapAsset(ctx context.Context, row map[string]any) abi.Asset {
	f := fields(row)
	u := pdk.Unmapped{}
	a := abi.Asset{ID: f.take("Equipment", "EquipmentNumber")}
	a.Name = f.take("EquipmentName", "Description", "EquipmentDescription")
	if a.Name == "" {
		a.Name = a.ID
	}
	a.Type = m.categories.Map(ctx, pdk.Scalar(f["EquipmentCategory"]), u)
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
	if t, ok := parseDate(pdk.Scalar(f["OperationStartDate"])); ok {
		a.InstallDate = t.Format("2006-01-02")
		delete(f, "OperationStartDate")
	}
	a.Metadata = u.Attach(f.metadata())
	return a
}

// Order fields that carry the status, most authoritative first:
// SystemStatusText is what SAP's published API returns;
// MaintenanceOrderSystemStatus is the reference's name, read when a
// service returns it.
var statusFields = []string{"SystemStatusText", "MaintenanceOrderSystemStatus"}

// orderStatus reads the order's status from its system status (the most
// advanced life-cycle code wins), else from its process phase through the
// site's process_phase_map. What it read goes to md; a status it cannot
// place goes to u (the caller reports it).
func (m *mapper) orderStatus(f fields, md map[string]any, u pdk.Unmapped) abi.Status {
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
		if st, ok := m.phases.Lookup(phase); ok {
			md["status_source"] = "MaintOrdProcessPhaseCode"
			return st
		}
		u[kindProcessPhase] = phase
	}
	if raw == "" {
		md["status_source"] = "none"
	}
	u[kindSystemStatus] = raw
	return fallbackStatus
}

// statusOf returns an order entity's status without consuming the entity
// or reporting anything.
func (m *mapper) statusOf(row map[string]any) abi.Status {
	f := fields{}
	for _, k := range append(statusFields, "MaintOrdProcessPhaseCode") {
		f[k] = row[k]
	}
	return m.orderStatus(f, map[string]any{}, pdk.Unmapped{})
}

// mapWorkOrder maps an API_MAINTENANCEORDER entity. Failure data is not
// on the order (MaintenanceActivityType is an activity type, kept as
// metadata.activity_type); it comes from the linked notification
// (failure.go).
func (m *mapper) mapWorkOrder(ctx context.Context, row map[string]any, now time.Time) abi.WorkOrder {
	f := fields(row)
	u := pdk.Unmapped{}
	md := map[string]any{}
	w := abi.WorkOrder{ID: f.take("MaintenanceOrder")}
	w.Type = m.orderTypes.Map(ctx, pdk.Scalar(f["MaintenanceOrderType"]), u)
	// "" is no priority at all (real SAP data has MaintPriority ""): the
	// default, without a notice.
	w.Priority = m.priorities.Map(ctx, pdk.Scalar(f["MaintPriority"]), u)
	w.Status = m.orderStatus(f, md, u)
	for _, k := range []string{kindSystemStatus, kindProcessPhase} {
		if code, ok := u[k]; ok {
			pdk.Notify(ctx, abi.Notice{Kind: abi.NoticeUnmapped, Field: k, Code: code, Fallback: string(fallbackStatus)})
		}
	}
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
	w.Metadata = u.Attach(w.Metadata)
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
