// Command cmms-maximo is Machina's IBM Maximo CMMS plugin: every CMMS
// operation of ABI v1.1 over Maximo's OSLC JSON API (by default IBM's REST
// API object structures mxapiasset, mxapiwodetail, mxapiinventory and
// mxpm).
//
// It reads the shapes IBM's servers return — lean and namespaced JSON at
// every level, relative hrefs and hrefs naming a proxied host, relations as
// arrays or objects, status_maxvalue or site synonyms, labor assignments,
// failure reports, records without an identifier, omitted nulls — and maps
// codes with pdk.CodeTable, so that an unknown code keeps its raw value in
// metadata.unmapped and is reported as a notice (README.md, "Shapes
// handled"). Create is idempotent for the host's deterministic id
// (EXTERNALREFID lookup, transactionid header).
//
// The plugin never holds a credential: it sends plain requests through the
// host's HTTP gate, and the host attaches the operator's auth profile (API
// key header, basic or bearer) for the granted origin. The connector logic
// lives in plain Go files of this package and is unit-tested natively with
// pdk/pdktest against the simulator in internal/sim/maximo, whose corpus
// (internal/sim/maximo/corpus) is the oracle; see README.md for the
// plugin-author walkthrough.
//
// It must not hold credentials, keep state between calls (instances are
// pooled and recycled) or request a URL outside its configured origin:
// links Maximo returns are re-based onto it (pdk.ResolveLink).
package main
