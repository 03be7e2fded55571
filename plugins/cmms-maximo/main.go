package main

import "github.com/machina-go/machina/pdk"

// Name and Version must match plugin.toml.
const (
	pluginName    = "cmms-maximo"
	pluginVersion = "1.1.0"
)

func init() {
	pdk.RegisterCMMS(pdk.Info{Name: pluginName, Version: pluginVersion}, &maximo{})
}

// main never runs: the module is a reactor whose exports the PDK owns.
func main() {}
