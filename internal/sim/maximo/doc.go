// Package maximo is an IBM Maximo OSLC JSON API simulator: a real HTTP
// server (an http.Handler usable with httptest or any listener) that serves
// the object structures mxasset, mxwo, mxinventory and mxpm (also under
// IBM's REST API names mxapiasset, mxapiwodetail, mxapiinventory, mxapipm)
// with seeded, deterministic plant data, for plugin tests, the conformance
// kit (host/internal/conformance) and demos (`machina sim maximo`).
//
// It serves the response shapes real servers produce (Shape, Shapes: hrefs
// relative or on a proxied host, relations as objects, site status
// synonyms, operating locations in asset listings, inventory without
// curbal; non-lean JSON prefixed at every level), and in corpus mode
// (ServeFixtures) IBM's recorded payloads from package corpus instead of
// its seeded data. internalvalues=1 adds status_maxvalue,
// domaininternalwhere=status=A,B filters on internal values, and a create
// whose transactionid header was seen within five minutes gets 409, as
// Maximo does.
//
// It implements the subset of Maximo's REST/OSLC API that connectors use:
//
//   - GET /maximo/oslc/whoami
//   - GET /maximo/oslc/os/{os} with oslc.where (attr="value", attr!="value",
//     numbers, and, or, parentheses, attr in ["a","b"]; a double quote
//     inside a value is written twice, "" — a "%" at either end of a value
//     makes it a case-insensitive LIKE, as in Maximo), oslc.select (a
//     comma list; * selects the attributes of the main object, child
//     objects such as sparepart{itemnum} or jobplan{…} only when named), oslc.pageSize
//     and pageno with responseInfo.nextPage as an absolute href, lean=1
//     (without it, keys carry the spi:/rdfs:/oslc: prefixes)
//   - GET {resource href} for one record
//   - POST /maximo/oslc/os/mxwo (create) and POST {resource href} with
//     x-method-override: PATCH (update); both need Content-Type
//     application/json and answer with the record only when the request has a
//     "properties" header (as Maximo does); a bare PATCH is refused (405)
//
// Authentication modes are the ones Maximo offers: the "apikey" header,
// HTTP Basic and a bearer token (Options.Auth). Faults (slow responses, 429
// with Retry-After, 503, malformed JSON, oversized pages) are set with
// SetFaults or through the admin endpoint /_sim/faults (GET shows, PUT/POST
// replaces, DELETE clears; same credentials as the API), and Stats counts
// requests and writes so tests can assert that no write was received.
//
// It must not be used as a production Maximo: data lives in memory and is
// lost on exit, and nothing here is a security boundary.
package maximo
