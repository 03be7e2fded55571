package abi

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// WorkOrderType says why work is done.
type WorkOrderType string

// Work order types.
const (
	TypeCorrective  WorkOrderType = "corrective"
	TypePreventive  WorkOrderType = "preventive"
	TypePredictive  WorkOrderType = "predictive"
	TypeImprovement WorkOrderType = "improvement"
)

// WorkOrderTypes lists every WorkOrderType.
func WorkOrderTypes() []WorkOrderType {
	return []WorkOrderType{TypeCorrective, TypePreventive, TypePredictive, TypeImprovement}
}

// Valid reports whether t is a known work order type.
func (t WorkOrderType) Valid() bool { return oneOf(t, WorkOrderTypes()) }

// ParseWorkOrderType validates a work order type string.
func ParseWorkOrderType(s string) (WorkOrderType, error) {
	return parseEnum("work order type", s, WorkOrderTypes(), false)
}

// Priority orders work.
type Priority string

// Priorities(), most urgent first.
const (
	PriorityEmergency Priority = "emergency"
	PriorityHigh      Priority = "high"
	PriorityMedium    Priority = "medium"
	PriorityLow       Priority = "low"
)

// Priorities lists every Priority, most urgent first.
func Priorities() []Priority {
	return []Priority{PriorityEmergency, PriorityHigh, PriorityMedium, PriorityLow}
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return oneOf(p, Priorities()) }

// ParsePriority validates a priority string.
func ParsePriority(s string) (Priority, error) { return parseEnum("priority", s, Priorities(), false) }

// Status is where a work order is in its life cycle.
type Status string

// Work order statuses.
const (
	StatusCreated    Status = "created"
	StatusAssigned   Status = "assigned"
	StatusInProgress Status = "in_progress"
	StatusCompleted  Status = "completed"
	StatusClosed     Status = "closed"
	StatusCancelled  Status = "cancelled"
)

// Statuses lists every Status in life-cycle order.
func Statuses() []Status {
	return []Status{StatusCreated, StatusAssigned, StatusInProgress, StatusCompleted, StatusClosed, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return oneOf(s, Statuses()) }

// ParseStatus validates a status string.
func ParseStatus(s string) (Status, error) { return parseEnum("status", s, Statuses(), false) }

// transitions is the reference's work-order state machine.
var transitions = map[Status][]Status{
	StatusCreated:    {StatusAssigned, StatusCancelled},
	StatusAssigned:   {StatusInProgress, StatusCancelled},
	StatusInProgress: {StatusCompleted, StatusCancelled},
	StatusCompleted:  {StatusClosed},
	StatusClosed:     nil,
	StatusCancelled:  nil,
}

// AllowedTransitions returns the statuses reachable from s in one step.
func AllowedTransitions(s Status) []Status {
	return append([]Status(nil), transitions[s]...)
}

// CanTransition reports whether a work order may move from one status to
// another. Staying in the same status is not a transition.
func CanTransition(from, to Status) bool { return oneOf(to, transitions[from]) }

// CheckTransition returns an invalid_argument error when from→to is not
// allowed, worded as the reference ("Cannot transition from 'x' to 'y'").
func CheckTransition(from, to Status) error {
	if !CanTransition(from, to) {
		return InvalidArgument("Cannot transition from '%s' to '%s'", from, to)
	}
	return nil
}

// FailureImpact is the ISO 14224 Table 6 impact of a failure.
type FailureImpact string

// Failure impacts.
const (
	ImpactCritical  FailureImpact = "critical"
	ImpactDegraded  FailureImpact = "degraded"
	ImpactIncipient FailureImpact = "incipient"
)

// SparePartRequirement is a part needed by a work order.
type SparePartRequirement struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// WorkOrder is a unit of maintenance work.
type WorkOrder struct {
	ID                     string                 `json:"id"`
	Type                   WorkOrderType          `json:"type"`
	Priority               Priority               `json:"priority"`
	Status                 Status                 `json:"status"`
	AssetID                string                 `json:"asset_id"`
	Description            string                 `json:"description"`
	AssignedTo             string                 `json:"assigned_to,omitempty"`
	FailureMode            string                 `json:"failure_mode,omitempty"`
	FailureCause           string                 `json:"failure_cause,omitempty"`
	FailureImpact          FailureImpact          `json:"failure_impact,omitempty"`
	RequestedSkills        []string               `json:"requested_skills,omitempty"`
	EstimatedDurationHours float64                `json:"estimated_duration_hours,omitempty"`
	SpareParts             []SparePartRequirement `json:"spare_parts,omitempty"`
	CreatedAt              time.Time              `json:"created_at"`
	UpdatedAt              time.Time              `json:"updated_at"`
	Metadata               map[string]any         `json:"metadata,omitempty"`
}

// Validate checks required fields and enum values. AssetID may be empty: a
// CMMS work order can be raised on a location only (Maximo), and a plugin
// then reports the location in metadata. Creating one still needs an asset.
func (w *WorkOrder) Validate() error {
	if strings.TrimSpace(w.ID) == "" {
		return InvalidArgument("work order id is empty")
	}
	if !w.Type.Valid() {
		return InvalidArgument("work order %q has unknown type %q", w.ID, w.Type)
	}
	if !w.Priority.Valid() {
		return InvalidArgument("work order %q has unknown priority %q", w.ID, w.Priority)
	}
	if !w.Status.Valid() {
		return InvalidArgument("work order %q has unknown status %q", w.ID, w.Status)
	}
	return nil
}

// AutoWorkOrderID returns the reference's deterministic id for a drafted work
// order: "WO-AUTO-" plus the first 8 hex digits, upper case, of
// SHA-256("asset|type|priority|description"), prefixed by "session|" when a
// session id is given.
func AutoWorkOrderID(assetID string, t WorkOrderType, p Priority, description, session string) string {
	key := assetID + "|" + string(t) + "|" + string(p) + "|" + description
	if session != "" {
		key = session + "|" + key
	}
	sum := sha256.Sum256([]byte(key))
	return "WO-AUTO-" + strings.ToUpper(hex.EncodeToString(sum[:])[:8])
}
