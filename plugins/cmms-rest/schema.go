package main

import (
	"github.com/machina-go/machina/abi"
)

// fieldKind is how a domain field is read.
type fieldKind int

const (
	kText fieldKind = iota
	kEnum
	kNumber
	kTime
	kList
)

// fieldSpec describes a domain field an entity's configuration may map.
type fieldSpec struct {
	kind     fieldKind
	required bool
	// enum and fallback: the domain values of an enum field and the
	// default fallback for a code without mapping.
	enum     []string
	fallback string
	// writable enum fields are sent in requests (they need a write table).
	writable bool
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// The domain fields of each entity (the JSON names of the abi types).
var (
	assetSchema = map[string]fieldSpec{
		"id": {kind: kText, required: true}, "name": {kind: kText, required: true},
		"type":        {kind: kEnum, enum: strs(abi.AssetTypes()), fallback: string(abi.AssetStatic)},
		"criticality": {kind: kEnum, enum: strs(abi.Criticalities()), fallback: string(abi.CriticalityC)},
		"location":    {}, "manufacturer": {}, "model": {}, "serial_number": {}, "parent": {},
		"install_date": {}, "equipment_class_code": {},
	}
	workOrderSchema = map[string]fieldSpec{
		"id": {kind: kText, required: true}, "asset_id": {}, "title": {}, "description": {},
		"status":      {kind: kEnum, enum: strs(abi.Statuses()), fallback: string(abi.StatusCreated), writable: true},
		"priority":    {kind: kEnum, enum: strs(abi.Priorities()), fallback: string(abi.PriorityMedium), writable: true},
		"type":        {kind: kEnum, enum: strs(abi.WorkOrderTypes()), fallback: string(abi.TypeCorrective), writable: true},
		"assigned_to": {}, "failure_mode": {}, "created_at": {kind: kTime}, "updated_at": {kind: kTime},
	}
	sparePartSchema = map[string]fieldSpec{
		"sku": {kind: kText, required: true}, "name": {kind: kText, required: true}, "manufacturer": {},
		"stock_quantity": {kind: kNumber}, "reorder_point": {kind: kNumber}, "unit_cost": {kind: kNumber},
		"lead_time_days": {kind: kNumber}, "warehouse_location": {}, "compatible_assets": {kind: kList},
	}
	planSchema = map[string]fieldSpec{
		"id": {kind: kText, required: true}, "asset_id": {}, "name": {}, "interval_days": {kind: kNumber},
		"tasks": {kind: kList}, "estimated_duration_hours": {kind: kNumber},
	}
)

// The placeholders each request may use.
var (
	phGet     = []string{"id"}
	phListWO  = []string{"asset_id", "status"}
	phCreate  = []string{"asset_id", "title", "description", "priority", "type", "failure_mode", "assigned_to", "external_id"}
	phUpdate  = []string{"id", "title", "description", "assigned_to", "status"}
	phStatus  = []string{"id", "status", "reason"}
	phParts   = []string{"asset_id", "sku"}
	phPlans   = []string{"asset_id"}
	phNothing = []string{}
)
