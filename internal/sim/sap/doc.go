// Package sap is an SAP PM OData simulator: a real HTTP server (an
// http.Handler usable with httptest or any listener) that serves the SAP
// S/4HANA maintenance APIs connectors use, with seeded, deterministic plant
// data, for plugin tests, the conformance kit (host/conformance) and demos
// (`machina sim sap`).
//
// The data is the vendor payload corpus (plugins/cmms-sap/testdata/corpus,
// embedded as byte-identical copies: SAP sandbox captures and records
// composed from SAP's published API specifications) plus a generated
// plant, with the published property names (AssetManufacturerName,
// SystemStatusText, …).
//
// Services under BasePath (/sap/opu/odata/sap), and for OData v4 also
// under V4BasePath (/sap/opu/odata4/sap):
//
//   - API_EQUIPMENT/Equipment (assets in a functional-location hierarchy;
//     the key is composite, Equipment(Equipment='…',ValidityEndDate=
//     datetime'9999-12-31T00%3A00%3A00'), so Equipment('…') is refused)
//   - API_MAINTENANCEORDER/MaintenanceOrder (orders with compound system
//     statuses such as "REL  PCNF MANC" in SystemStatusText and a user
//     status in UserStatusText); POST creates, PATCH
//     MaintenanceOrder('<id>') updates (MERGE, PUT and X-HTTP-Method
//     tunnelling are refused with 405); entities carry weak ETags
//     (__metadata.etag, @odata.etag), a stale If-Match fails with 412 and,
//     with Options.RequireIfMatch, a missing one with 428
//   - API_MAINTENANCEPLAN/MaintenancePlan
//   - API_MAINTNOTIFICATION/MaintenanceNotification (read; $expand of
//     to_Item and to_Item/to_ItemCause gives damage and cause codes; create
//     of NotificationType, Equipment, NotificationText for the raw vendor
//     tool)
//   - API_BILL_OF_MATERIAL_SRV/BillOfMaterialItem (equipment BOM items)
//   - <service>/$metadata for each
//
// Query options: $filter (eq, ne, and, or, not-free parentheses, quoted
// strings with ” as the escaped quote, plus substringof('x',F) for v2 and
// contains(F,'x') for v4), $top, $skip, $select, $format=json, and
// server-driven paging ($skiptoken with d.__next or @odata.nextLink) when a
// page exceeds Options.ServerPageSize. Options.ODataVersion chooses the
// body shape: v2 ({"d":{"results":[…]}}, /Date(ms)/ dates, decimals as
// strings, __deferred links) or v4 ({"value":[…]}, ISO dates, numbers).
//
// Shape switches (Options): StatusField serves SystemStatusText (default)
// or the reference's MaintenanceOrderSystemStatus; ProxyOrigin names an
// internal host in next links and URIs (SAP behind a proxy);
// RelativeNextLink makes v4 next links relative; CustomerCodes makes a
// customer system (order types YBA1/YBA2 only); LenientCSRF drops the
// cookie binding of CSRF tokens; ProcessPhases serves chosen orders with
// a process phase code and no system status.
//
// Security behaviour of a real gateway: the sap-client header (or query
// parameter) is checked (missing → 400, wrong → 401); authentication is
// HTTP Basic or OAuth2 client credentials (POST /oauth/token,
// form-encoded, client authentication by Basic header or form fields;
// the bearer is checked on every call and expires); writes need a CSRF
// token fetched with "X-CSRF-Token: Fetch" on a GET or HEAD and, by
// default (strict), bound to the session cookie and anti-XSRF cookie the
// fetch set (csrf.go). A token expires after Options.CSRFTTL or on demand
// (ExpireCSRF, Faults.CSRFReject); a write with a missing, foreign or
// expired token, or without its session's cookies, gets 403 with
// "x-csrf-token: Required" and the plain-text body "CSRF token validation
// failed".
//
// Faults (slow, 429, 503, malformed JSON, oversized pages, forced CSRF
// rejections, reflected request headers) are set with SetFaults or through
// /_sim/faults; Stats counts requests, writes and CSRF events.
//
// It must not be used as a production SAP system: data lives in memory and
// is lost on exit, and nothing here is a security boundary.
package sap
