package demo

import (
	"strings"

	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

// OPCUAEndpoint returns the OPC-UA endpoint configuration for a demo plant simulator
// at url with one alias per point ("p-101.temperature", …) and the demo
// thresholds (hysteresis 5 % of the threshold, deadband 1 % of nominal).
// Security fields are left for the caller.
func OPCUAEndpoint(name, url string) hostopcua.EndpointConfig {
	ec := hostopcua.EndpointConfig{Name: name, URL: url}
	for _, a := range simopcua.PlantAssets() {
		for _, pt := range a.Points {
			ac := hostopcua.AliasConfig{
				Name: strings.ToLower(a.ID) + "." + pt.Parameter, NodeID: pt.NodeID,
				AssetID: a.ID, Parameter: pt.Parameter, Unit: pt.Unit,
			}
			if pt.High != 0 || pt.Low != 0 {
				t := &hostopcua.ThresholdConfig{Deadband: pt.Nominal * 0.01, Severity: "warning"}
				ref := pt.High
				if pt.High != 0 {
					h := pt.High
					t.High = &h
				}
				if pt.Low != 0 {
					l := pt.Low
					t.Low = &l
					if ref == 0 {
						ref = l
					}
				}
				t.Hysteresis = ref * 0.05
				ac.Threshold = t
			}
			ec.Aliases = append(ec.Aliases, ac)
		}
	}
	return ec
}
