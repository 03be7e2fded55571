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
package main

import "github.com/machina-go/machina/pdk"

// Name and Version must match plugin.toml.
const (
	pluginName    = "cmms-maximo"
	pluginVersion = "1.0.0"
)

func init() {
	pdk.RegisterCMMS(pdk.Info{Name: pluginName, Version: pluginVersion}, &maximo{})
}

// main never runs: the module is a reactor whose exports the PDK owns.
func main() {}
