// Package rest simulates REST/JSON CMMS APIs for the generic cmms-rest
// plugin, one dialect per preset, each serving the response shapes its
// vendor documents:
//
//   - upkeep: UpKeep API v2 (developers.onupkeep.com) — Session-Token
//     header, /api/v2/{assets,work-orders,parts,users}, offset/limit paging,
//     {"success":true,"results":[…]} lists and {"success":true,"result":{…}}
//     records, string ids, statuses open/onHold/inProgress/complete,
//     priority 0-3, PATCH updates.
//   - maintainx: MaintainX REST API v1 (api.getmaintainx.com/v1/openapi.json)
//     — Authorization: Bearer, /v1/{assets,workorders,parts,users}, cursor
//     paging ({…, "nextCursor", "nextPageUrl"}), integer ids, statuses
//     OPEN/IN_PROGRESS/ON_HOLD/DONE/CANCELED/SKIPPED, priorities
//     NONE/LOW/MEDIUM/HIGH, the asset and assignees only with expand=,
//     POST answering {"id"} only, status changes on /workorders/{id}/status.
//
// It validates what the vendors validate (credentials, JSON bodies, enum
// values, integer ids where the vendor types them), injects faults (503,
// 429 with Retry-After), and counts requests and writes so the conformance
// kit can check that sandboxed writes never arrive. State is in memory and
// deterministic for a seed.
//
// It must not know the plugin's mappings: it speaks vendor codes only.
package rest
