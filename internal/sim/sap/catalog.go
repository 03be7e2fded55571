package sap

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"time"
)

// record is one OData entity as its properties. Date properties hold
// time.Time values and are rendered per protocol version; an expanded
// navigation property holds []record.
type record map[string]any

// Entity set names (service/set), for Records and Record.
const (
	SetEquipment    = "API_EQUIPMENT/Equipment"
	SetOrder        = "API_MAINTENANCEORDER/MaintenanceOrder"
	SetPlan         = "API_MAINTENANCEPLAN/MaintenancePlan"
	SetNotification = "API_MAINTNOTIFICATION/MaintenanceNotification"
	SetBOMItem      = "API_BILL_OF_MATERIAL_SRV/BillOfMaterialItem"
)

// kind of a property, for rendering.
type kind int

const (
	kString kind = iota
	kDate        // Edm.DateTime (v2 /Date(ms)/) / Edm.Date (v4 YYYY-MM-DD)
	kStamp       // Edm.DateTimeOffset (v2 /Date(ms+0000)/, v4 ISO 8601)
	kTime        // Edm.Time (v2 PT06H00M00S) / Edm.TimeOfDay (v4 06:00:00)
	kNumber      // Edm.Int64/Decimal/Double: a string in v2, a number in v4
	kBool        // Edm.Boolean
)

// numberProps are the Int64, Decimal and Double properties of the served
// types (SPEC-MO/-EQ/-MN): strings in v2 JSON, numbers in v4.
var numberProps = []string{"MaintenanceObjectList", "GrossWeight", "AcquisitionValue", "MaintObjectDowntimeDuration", "MaintenancePlanCallNumber"}

// entitySet describes one served entity type (and its set).
type entitySet struct {
	service, name, typeName string
	keys                    []string          // key properties; several make a composite key
	props                   map[string]kind   // properties, for $filter/$select and rendering
	navs                    []string          // navigation properties
	children                map[string]string // navigation property → child entity set name
	listable                bool              // served as a collection (child types are not)
}

func (e *entitySet) id() string { return e.service + "/" + e.name }

// catalog is the set of entity types a server serves. Properties are
// those of the generated data plus every property of the vendor corpus.
type catalog struct {
	sets []*entitySet
}

func props(kinds map[kind][]string) map[string]kind {
	m := map[string]kind{}
	for k, names := range kinds {
		for _, n := range names {
			m[n] = k
		}
	}
	return m
}

func newCatalog() *catalog {
	c := &catalog{sets: []*entitySet{
		{service: "API_EQUIPMENT", name: "Equipment", typeName: "EquipmentType", keys: []string{"Equipment", "ValidityEndDate"}, listable: true,
			navs: []string{"to_Classification", "to_Partner"},
			props: props(map[kind][]string{
				kDate: {"OperationStartDate", "ValidityStartDate", "ValidityEndDate", "CreationDate"}, kStamp: {"LastChangeDateTime"},
				kString: {"Equipment", "EquipmentName", "EquipmentCategory", "TechnicalObjectType", "FunctionalLocation", "SuperordinateEquipment",
					"AssetManufacturerName", "ManufacturerPartTypeName", "ManufacturerSerialNumber", "SerialNumber", "ABCIndicator",
					"MaintenancePlanningPlant", "MaintenancePlant", "PlantSection", "ConstructionYear", "AssetLocation", "ZZ_AreaCode"},
				kNumber: {"GrossWeight"}, kBool: {"EquipmentIsMarkedForDeletion"},
			})},
		{service: "API_MAINTENANCEORDER", name: "MaintenanceOrder", typeName: "MaintenanceOrderType", keys: []string{"MaintenanceOrder"}, listable: true,
			navs: []string{"to_MaintenanceOrderOperation", "to_MaintOrderObjectListItem"},
			props: props(map[kind][]string{
				kDate: {"MaintOrdBasicStartDate", "MaintOrdBasicEndDate"}, kStamp: {"LastChangeDateTime"},
				kString: {"MaintenanceOrder", "MaintenanceOrderDesc", "MaintenanceOrderType", "MaintPriority", "SystemStatusText", "UserStatusText",
					"MaintOrdProcessPhaseCode", "MaintOrdProcessSubPhaseCode", "Equipment", "EquipmentName", "FunctionalLocation",
					"MaintOrdPersonResponsible", "MaintenanceActivityType", "MaintenancePlanningPlant", "MainWorkCenter", "MaintenancePlan",
					"MaintenanceNotification", "ZZ_ShiftCode"},
			})},
		{service: "API_MAINTENANCEPLAN", name: "MaintenancePlan", typeName: "MaintenancePlanType", keys: []string{"MaintenancePlan"}, listable: true,
			props: props(map[kind][]string{
				kDate: {"MaintPlanStartDate"},
				kString: {"MaintenancePlan", "MaintenancePlanDesc", "Equipment", "FunctionalLocation", "MaintPlanCycleValue", "MaintPlanCycleUnit",
					"MaintenancePlanStatus", "MaintenancePlanningPlant", "MainWorkCenter", "TaskListDesc", "PlannedWorkHours"},
			})},
		{service: "API_MAINTNOTIFICATION", name: "MaintenanceNotification", typeName: "MaintenanceNotificationType", keys: []string{"MaintenanceNotification"}, listable: true,
			navs: []string{"to_Item", "to_Partner"}, children: map[string]string{"to_Item": "MaintenanceNotificationItem"},
			props: props(map[kind][]string{
				kDate: {"NotificationCreationDate", "CreationDate"},
				kString: {"MaintenanceNotification", "NotificationText", "NotificationType", "Equipment", "MaintPriority", "MaintenanceOrder",
					"MaintenanceOrderType", "MaintNotifExtReferenceNumber", "TechnicalObject", "TechnicalObjectLabel"},
				kBool: {"MaintenanceObjectIsDown"},
			})},
		{service: "API_MAINTNOTIFICATION", name: "MaintenanceNotificationItem", typeName: "MaintenanceNotificationItemType",
			keys: []string{"MaintenanceNotification", "MaintenanceNotificationItem"}, navs: []string{"to_ItemActivity", "to_ItemCause", "to_Notif"},
			children: map[string]string{"to_ItemCause": "MaintNotificationItemCause"}, props: map[string]kind{}},
		{service: "API_MAINTNOTIFICATION", name: "MaintNotificationItemCause", typeName: "MaintNotificationItemCauseType",
			keys: []string{"MaintenanceNotification", "MaintenanceNotificationItem", "MaintenanceNotificationCause"}, navs: []string{"to_Item", "to_Notif"},
			props: map[string]kind{}},
		{service: "API_BILL_OF_MATERIAL_SRV", name: "BillOfMaterialItem", typeName: "BillOfMaterialItemType", keys: []string{"BillOfMaterialItemNodeNumber"}, listable: true,
			props: props(map[kind][]string{kString: {
				"BillOfMaterial", "BillOfMaterialItemNodeNumber", "BillOfMaterialItemNumber", "BillOfMaterialComponent", "ComponentDescription",
				"MaterialDescription", "BillOfMaterialItemQuantity", "BillOfMaterialItemUnit", "Equipment", "Plant", "AvailableQuantity",
				"StandardPrice", "Currency", "StorageLocation", "Manufacturer", "ReorderPoint", "LeadTimeDays"}}),
		},
	}}
	return c
}

// set returns the entity type of service named name.
func (c *catalog) set(service, name string) (*entitySet, bool) {
	for _, e := range c.sets {
		if e.service == service && e.name == name {
			return e, true
		}
	}
	return nil, false
}

// byID returns the entity set whose id (service/name) is id.
func (c *catalog) byID(id string) (*entitySet, bool) {
	for _, e := range c.sets {
		if e.id() == id {
			return e, true
		}
	}
	return nil, false
}

func (c *catalog) knownService(service string) bool {
	for _, e := range c.sets {
		if e.service == service {
			return true
		}
	}
	return false
}

// numberProp reports whether name is an Int64, Decimal or Double property.
func numberProp(name string) bool {
	for _, n := range numberProps {
		if n == name {
			return true
		}
	}
	return false
}

// isDuration reports whether s is an Edm.Time literal such as PT06H00M00S.
func isDuration(s string) bool {
	var h, m, sec int
	n, err := fmt.Sscanf(s, "PT%02dH%02dM%02dS", &h, &m, &sec)
	return err == nil && n == 3 && len(s) == len("PT00H00M00S")
}

// keyPredicate renders an entity's key as in its URI: ('v') for a single
// key, (K1='v1',K2=datetime'…') for a composite one.
func keyPredicate(es *entitySet, rec record) string {
	lit := func(v any) string {
		if t, ok := v.(time.Time); ok {
			return "datetime'" + url.QueryEscape(t.UTC().Format("2006-01-02T15:04:05")) + "'"
		}
		return "'" + url.PathEscape(strings.ReplaceAll(scalarString(v), "'", "''")) + "'"
	}
	if len(es.keys) == 1 {
		return "(" + lit(rec[es.keys[0]]) + ")"
	}
	parts := make([]string, len(es.keys))
	for i, k := range es.keys {
		parts[i] = k + "=" + lit(rec[k])
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// cloneRecord copies a record and its expanded children.
func cloneRecord(r record) record {
	out := maps.Clone(r)
	for k, v := range out {
		if kids, ok := v.([]record); ok {
			cp := make([]record, len(kids))
			for i, kid := range kids {
				cp[i] = cloneRecord(kid)
			}
			out[k] = cp
		}
	}
	return out
}
