// Command cmms-maximo is Machina's IBM Maximo CMMS plugin: every CMMS
// operation of ABI v1 over Maximo's OSLC JSON API (object structures
// mxasset, mxwo, mxinventory and mxpm).
//
// The plugin never holds a credential: it sends plain requests through the
// host's HTTP gate, and the host attaches the operator's auth profile (API
// key header, basic or bearer) for the granted origin. The connector logic
// lives in plain Go files of this package (client.go, where.go, mapping.go,
// maximo.go) and is unit-tested natively with pdk/pdktest against the
// simulator in sim/maximo; see README.md for the plugin-author walkthrough.
//
// It must not hold credentials, keep state between calls (instances are
// pooled and recycled) or follow a next-page link outside its base URL.
package main
