package abi

import (
	"strings"
	"time"
)

// AssetType classifies equipment (a blend inspired by ISO 14224).
type AssetType string

// The asset types of the reference domain model.
const (
	AssetRotating   AssetType = "rotating_equipment"
	AssetStatic     AssetType = "static_equipment"
	AssetInstrument AssetType = "instrument"
	AssetElectrical AssetType = "electrical"
	AssetPiping     AssetType = "piping"
	AssetStructural AssetType = "structural"
	AssetHVAC       AssetType = "hvac"
	AssetSafety     AssetType = "safety"
)

// AssetTypes lists every AssetType.
func AssetTypes() []AssetType {
	return []AssetType{AssetRotating, AssetStatic, AssetInstrument, AssetElectrical, AssetPiping, AssetStructural, AssetHVAC, AssetSafety}
}

// Valid reports whether t is a known asset type.
func (t AssetType) Valid() bool { return oneOf(t, AssetTypes()) }

// Criticality ranks how much an asset matters to production.
type Criticality string

// Criticality levels: A stops production, B is important, C is standard.
const (
	CriticalityA Criticality = "A"
	CriticalityB Criticality = "B"
	CriticalityC Criticality = "C"
)

// Criticalities lists every Criticality.
func Criticalities() []Criticality {
	return []Criticality{CriticalityA, CriticalityB, CriticalityC}
}

// Valid reports whether c is a known criticality.
func (c Criticality) Valid() bool { return oneOf(c, Criticalities()) }

// Asset is a piece of equipment registered in a CMMS.
type Asset struct {
	ID                 string         `json:"id"`
	Name               string         `json:"name"`
	Type               AssetType      `json:"type"`
	Location           string         `json:"location,omitempty"`
	Manufacturer       string         `json:"manufacturer,omitempty"`
	Model              string         `json:"model,omitempty"`
	SerialNumber       string         `json:"serial_number,omitempty"`
	InstallDate        string         `json:"install_date,omitempty"` // YYYY-MM-DD
	Criticality        Criticality    `json:"criticality"`
	Parent             string         `json:"parent,omitempty"`
	Children           []string       `json:"children,omitempty"`
	FailureModes       []string       `json:"failure_modes,omitempty"`
	Aliases            []string       `json:"aliases,omitempty"`
	EquipmentClassCode string         `json:"equipment_class_code,omitempty"`
	Metadata           map[string]any `json:"metadata,omitempty"`
}

// Validate checks required fields and enum values.
func (a *Asset) Validate() error {
	if strings.TrimSpace(a.ID) == "" {
		return InvalidArgument("asset id is empty")
	}
	if strings.TrimSpace(a.Name) == "" {
		return InvalidArgument("asset %q has no name", a.ID)
	}
	if !a.Type.Valid() {
		return InvalidArgument("asset %q has unknown type %q", a.ID, a.Type)
	}
	if !a.Criticality.Valid() {
		return InvalidArgument("asset %q has unknown criticality %q", a.ID, a.Criticality)
	}
	return nil
}

// SparePart is a stocked item.
//
// StockQuantity and UnitCost are null when the CMMS did not report them
// (ABI 1.1): unknown is not zero. A plugin built for ABI 1.0 always sends a
// number, and a 1.0 host reads null as 0.
type SparePart struct {
	SKU               string         `json:"sku"`
	Name              string         `json:"name"`
	Manufacturer      string         `json:"manufacturer,omitempty"`
	CompatibleAssets  []string       `json:"compatible_assets,omitempty"`
	StockQuantity     *float64       `json:"stock_quantity"`
	ReorderPoint      float64        `json:"reorder_point"`
	LeadTimeDays      float64        `json:"lead_time_days,omitempty"`
	UnitCost          *float64       `json:"unit_cost"`
	WarehouseLocation string         `json:"warehouse_location,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
}

// NeedsReorder reports whether stock is known and at or below the reorder
// point. An unknown stock never needs a reorder by this test: say "unknown"
// instead.
func (p *SparePart) NeedsReorder() bool {
	return p.StockQuantity != nil && *p.StockQuantity <= p.ReorderPoint
}

// Quantity returns a pointer to v, for the nullable quantities of SparePart.
func Quantity(v float64) *float64 { return &v }

// Interval is the recurrence of a maintenance plan. Hours are operating hours
// and do not count toward TotalDays.
type Interval struct {
	Days   float64 `json:"days,omitempty"`
	Weeks  float64 `json:"weeks,omitempty"`
	Months float64 `json:"months,omitempty"`
	Hours  float64 `json:"hours,omitempty"`
}

// TotalDays is days + 7×weeks + 30×months, as in the reference.
func (i Interval) TotalDays() float64 { return i.Days + 7*i.Weeks + 30*i.Months }

// MaintenancePlan is a preventive plan for one asset.
type MaintenancePlan struct {
	ID                     string   `json:"id"`
	AssetID                string   `json:"asset_id"`
	Name                   string   `json:"name"`
	Interval               Interval `json:"interval"`
	Tasks                  []string `json:"tasks,omitempty"`
	EstimatedDurationHours float64  `json:"estimated_duration_hours,omitempty"`
	RequiredSkills         []string `json:"required_skills,omitempty"`
	Active                 bool     `json:"active"`
}

// Severity grades an alarm.
type Severity string

// Alarm severities.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Severities lists every Severity.
func Severities() []Severity {
	return []Severity{SeverityCritical, SeverityWarning, SeverityInfo}
}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return oneOf(s, Severities()) }

// Alarm is a threshold crossing on a measured parameter.
type Alarm struct {
	ID           string    `json:"id"`
	AssetID      string    `json:"asset_id"`
	Severity     Severity  `json:"severity"`
	Parameter    string    `json:"parameter"`
	Value        float64   `json:"value"`
	Threshold    float64   `json:"threshold"`
	Unit         string    `json:"unit,omitempty"`
	Timestamp    time.Time `json:"timestamp"`
	Source       string    `json:"source,omitempty"` // e.g. opcua://host:4840/ns=2;s=Pump.Temp
	Acknowledged bool      `json:"acknowledged"`
	Cleared      bool      `json:"cleared,omitempty"`
}

// FailureMode is a catalogued way equipment fails (ISO 14224 aligned).
type FailureMode struct {
	Code               string   `json:"code"`
	Name               string   `json:"name"`
	Mechanism          string   `json:"mechanism,omitempty"`
	Category           string   `json:"category,omitempty"`
	DetectionMethods   []string `json:"detection_methods,omitempty"`
	TypicalIndicators  []string `json:"typical_indicators,omitempty"`
	RecommendedActions []string `json:"recommended_actions,omitempty"`
	MTBFHours          float64  `json:"mtbf_hours,omitempty"`
	ISO14224Code       string   `json:"iso_14224_code,omitempty"`
}

// Message is a chat or mail message received from, or sent to, a channel.
type Message struct {
	ID        string    `json:"id"`
	Channel   string    `json:"channel"`           // plugin name, e.g. "telegram"
	ChatID    string    `json:"chat_id"`           // conversation: chat id or mail address
	UserID    string    `json:"user_id,omitempty"` // sender identity within the channel
	UserName  string    `json:"user_name,omitempty"`
	Text      string    `json:"text"`
	Subject   string    `json:"subject,omitempty"`   // mail only
	ThreadID  string    `json:"thread_id,omitempty"` // mail Message-ID to reply to
	Timestamp time.Time `json:"timestamp"`
	// Unverified is set when the channel cannot authenticate the sender
	// (e-mail without DKIM/SPF checks): confirmations keyed on the sender
	// give no integrity for such messages.
	Unverified bool `json:"unverified,omitempty"`
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

func joinValues[T ~string](set []T) string {
	parts := make([]string, len(set))
	for i, s := range set {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// parseEnum normalises s (trim, lower case unless upper) and checks it
// against set, returning an invalid_argument error that lists valid values.
func parseEnum[T ~string](kind, s string, set []T, upper bool) (T, error) {
	v := strings.TrimSpace(s)
	if upper {
		v = strings.ToUpper(v)
	} else {
		v = strings.ToLower(v)
	}
	for _, k := range set {
		if T(v) == k {
			return k, nil
		}
	}
	var zero T
	return zero, InvalidArgument("invalid %s %q; valid values: %s", kind, s, joinValues(set))
}

// ParseAssetType validates an asset type string.
func ParseAssetType(s string) (AssetType, error) {
	return parseEnum("asset type", s, AssetTypes(), false)
}

// ParseCriticality validates a criticality string.
func ParseCriticality(s string) (Criticality, error) {
	return parseEnum("criticality", s, Criticalities(), true)
}

// ParseSeverity validates a severity string.
func ParseSeverity(s string) (Severity, error) { return parseEnum("severity", s, Severities(), false) }
