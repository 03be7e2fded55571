package main

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// OData protocol versions accepted in odata_version.
const (
	odataV2   = "v2"
	odataV4   = "v4"
	odataAuto = "auto"
)

// settings is the plugin's non-secret configuration ([plugin.config]).
type settings struct {
	// BaseURL is the OData gateway base, e.g.
	// https://my.s4hana.ondemand.com/sap/opu/odata/sap (required).
	BaseURL string `json:"base_url"`
	// ODataVersion is v2, v4 or auto (default: auto, from the body shape).
	ODataVersion string `json:"odata_version"`
	// SAPClient is sent as the sap-client header (e.g. "100").
	SAPClient string `json:"sap_client"`
	// PageSize is $top per request (default 100).
	PageSize int `json:"page_size"`
	// MaxRows is the hard cap of rows one read may scan (default 50000);
	// beyond it the read fails and asks for a narrower $filter.
	MaxRows int `json:"max_rows"`
	// TimeoutMS is the per-request timeout asked of the host (default 30000).
	TimeoutMS int `json:"timeout_ms"`
	// RetryBaseMS is the first retry's backoff (default 500).
	RetryBaseMS int `json:"retry_base_ms"`
	// Service paths under base_url (defaults: the S/4HANA OData v2 API
	// names; an OData v4 gateway may need e.g.
	// "api_maintenanceorder/srvd_a2x/sap/maintenanceorder/0001").
	EquipmentService    string `json:"equipment_service"`
	OrderService        string `json:"order_service"`
	PlanService         string `json:"plan_service"`
	NotificationService string `json:"notification_service"`
	// BOM service, entity set and fields for spare parts.
	BOMService        string `json:"bom_service"`
	BOMEntitySet      string `json:"bom_entity_set"`
	BOMMaterialField  string `json:"bom_material_field"`
	BOMEquipmentField string `json:"bom_equipment_field"`
	// Site maps of customer-configured codes (SAP code → domain value),
	// overlaying the documented defaults: order types (e.g. YBA2 →
	// preventive), priorities, equipment categories (e.g. P → static
	// equipment) and S/4HANA process phases (no defaults: the phase code
	// values are not published).
	OrderTypeMap         map[string]string `json:"order_type_map"`
	PriorityMap          map[string]string `json:"priority_map"`
	EquipmentCategoryMap map[string]string `json:"equipment_category_map"`
	ProcessPhaseMap      map[string]string `json:"process_phase_map"`
	// SystemStatusAliases maps language-specific system-status short texts
	// to SAP's English codes (e.g. TABG → TECO on a German logon).
	SystemStatusAliases map[string]string `json:"system_status_aliases"`
	// FailureData reads the notification linked to an order for its
	// damage and cause codes (default true).
	FailureData *bool `json:"failure_data"`
}

// sapPM implements every CMMS operation of the ABI.
type sapPM struct {
	cfg       settings
	base      string
	retryBase time.Duration

	mapper mapper

	mu       sync.Mutex
	csrf     string // cached CSRF token of the host's cookie session
	detected string // protocol version seen in a body (auto mode)
}

var (
	identRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	segmentRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_;=.,]{0,127}$`)
	clientRE  = regexp.MustCompile(`^[0-9]{3}$`)
)

// Init validates and stores the configuration.
func (s *sapPM) Init(ctx context.Context, c pdk.Config) error {
	var st settings
	if err := c.Decode(&st); err != nil {
		return abi.InvalidArgument("%v", err)
	}
	st.BaseURL = strings.TrimRight(strings.TrimSpace(st.BaseURL), "/")
	u, err := url.Parse(st.BaseURL)
	if st.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return abi.InvalidArgument("config base_url must be the OData gateway base such as https://my.s4hana.ondemand.com/sap/opu/odata/sap (got %q)", st.BaseURL)
	}
	st.ODataVersion = strings.ToLower(strings.TrimSpace(st.ODataVersion))
	switch st.ODataVersion {
	case "":
		st.ODataVersion = odataAuto
	case odataV2, odataV4, odataAuto:
	default:
		return abi.InvalidArgument("config odata_version must be v2, v4 or auto (got %q)", st.ODataVersion)
	}
	st.SAPClient = strings.TrimSpace(st.SAPClient)
	if st.SAPClient != "" && !clientRE.MatchString(st.SAPClient) {
		return abi.InvalidArgument("config sap_client must be three digits such as \"100\"")
	}
	if st.PageSize == 0 {
		st.PageSize = 100
	}
	if st.PageSize < 1 || st.PageSize > 5000 {
		return abi.InvalidArgument("config page_size must be between 1 and 5000")
	}
	if st.MaxRows == 0 {
		st.MaxRows = 50000
	}
	if st.MaxRows < 1 {
		return abi.InvalidArgument("config max_rows must be positive")
	}
	if st.TimeoutMS == 0 {
		st.TimeoutMS = 30000
	}
	if st.TimeoutMS < 0 {
		return abi.InvalidArgument("config timeout_ms must be positive")
	}
	if st.RetryBaseMS <= 0 {
		st.RetryBaseMS = 500
	}
	if st.BOMEntitySet == "" {
		st.BOMEntitySet = "BillOfMaterialItem"
	}
	if st.BOMMaterialField == "" {
		st.BOMMaterialField = "BillOfMaterialComponent"
	}
	for _, sv := range []struct {
		key string
		v   *string
		def string
	}{{"equipment_service", &st.EquipmentService, "API_EQUIPMENT"}, {"order_service", &st.OrderService, "API_MAINTENANCEORDER"},
		{"plan_service", &st.PlanService, "API_MAINTENANCEPLAN"}, {"notification_service", &st.NotificationService, "API_MAINTNOTIFICATION"},
		{"bom_service", &st.BOMService, "API_BILL_OF_MATERIAL_SRV"}} {
		*sv.v = strings.Trim(strings.TrimSpace(*sv.v), "/")
		if *sv.v == "" {
			*sv.v = sv.def
		}
		if !validServicePath(*sv.v) {
			return abi.InvalidArgument("config %s is not a valid OData service path", sv.key)
		}
	}
	for name, v := range map[string]string{"bom_entity_set": st.BOMEntitySet, "bom_material_field": st.BOMMaterialField} {
		if !identRE.MatchString(v) {
			return abi.InvalidArgument("config %s is not a valid OData identifier", name)
		}
	}
	if st.BOMEquipmentField != "" && !identRE.MatchString(st.BOMEquipmentField) {
		return abi.InvalidArgument("config bom_equipment_field is not a valid OData identifier")
	}
	m, err := newMapper(st)
	if err != nil {
		return err
	}
	if st.FailureData == nil {
		on := true
		st.FailureData = &on
	}
	s.mu.Lock()
	s.cfg, s.base, s.mapper = st, st.BaseURL, m
	s.retryBase = time.Duration(st.RetryBaseMS) * time.Millisecond
	s.csrf, s.detected = "", ""
	s.mu.Unlock()
	return nil
}

// newMapper builds the code tables from the documented defaults and the
// site's maps.
func newMapper(st settings) (mapper, error) {
	var m mapper
	var err error
	if m.orderTypes, m.siteOrderTypes, err = siteTable("order_type_map", kindOrderType, defaultOrderTypes, st.OrderTypeMap, abi.ParseWorkOrderType, fallbackOrderType); err != nil {
		return m, err
	}
	if m.priorities, m.sitePriorities, err = siteTable("priority_map", kindPriority, defaultPriorities, st.PriorityMap, abi.ParsePriority, fallbackPriority); err != nil {
		return m, err
	}
	if m.categories, _, err = siteTable("equipment_category_map", kindEquipmentCategory, defaultCategories, st.EquipmentCategoryMap, abi.ParseAssetType, fallbackAssetType); err != nil {
		return m, err
	}
	if m.phases, _, err = siteTable("process_phase_map", kindProcessPhase, nil, st.ProcessPhaseMap, abi.ParseStatus, fallbackStatus); err != nil {
		return m, err
	}
	m.aliases = map[string]string{}
	for k, v := range st.SystemStatusAliases {
		code := strings.ToUpper(strings.TrimSpace(v))
		if !lifecycleCode(code) {
			return m, abi.InvalidArgument("config system_status_aliases.%s must name a life-cycle code (CRTD, REL, PCNF, CNF, TECO, CLSD, DLFL), got %q", k, v)
		}
		m.aliases[strings.ToUpper(strings.TrimSpace(k))] = code
	}
	return m, nil
}

// path returns the path of an entity set (or $metadata) of a service.
func (s *sapPM) path(service, set string) string { return service + "/" + set }

func (s *sapPM) equipmentPath() string { return s.path(s.cfg.EquipmentService, setEquipment) }
func (s *sapPM) orderPath() string     { return s.path(s.cfg.OrderService, setOrder) }
func (s *sapPM) planPath() string      { return s.path(s.cfg.PlanService, setPlan) }

// version returns the protocol version in use: the configured one, or the
// one detected from a response body in auto mode ("" before any).
func (s *sapPM) version() string {
	if s.cfg.ODataVersion != odataAuto {
		return s.cfg.ODataVersion
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.detected
}

func (s *sapPM) noteVersion(v string) {
	if s.cfg.ODataVersion != odataAuto {
		return
	}
	s.mu.Lock()
	s.detected = v
	s.mu.Unlock()
}

// validServicePath accepts 1–9 slash-separated OData path segments (no
// empty, "." or ".." segment, no query or escape characters).
func validServicePath(p string) bool {
	segs := strings.Split(p, "/")
	if len(segs) > 9 {
		return false
	}
	for _, seg := range segs {
		if !segmentRE.MatchString(seg) || strings.Contains(seg, "..") {
			return false
		}
	}
	return true
}
