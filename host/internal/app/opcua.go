package app

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/opcua"
	"github.com/machina-go/machina/host/internal/registry"
)

// OPCUAConfig decodes the [opcua] table of cfg with its paths resolved
// against the configuration's directory.
func OPCUAConfig(cfg *config.Config) (opcua.Config, error) {
	var oc opcua.Config
	if err := cfg.Decode(cfg.OPCUA, &oc); err != nil {
		return oc, fmt.Errorf("[opcua]: %w", err)
	}
	if cfg.Dir() != "" {
		oc.ResolvePaths(cfg.Dir())
	}
	return oc, nil
}

// startOPCUA starts the OPC-UA manager when [[opcua.endpoint]] is configured.
func (a *App) startOPCUA(ctx context.Context) {
	oc, err := OPCUAConfig(a.Config)
	if a.opts.OPCUA != nil {
		oc, err = *a.opts.OPCUA, nil
	}
	if err != nil {
		a.Registry.Fail("opcua", registry.KindSensors, err)
		return
	}
	if len(oc.Endpoints) == 0 {
		return
	}
	m, err := opcua.NewManager(oc, opcua.Options{Logger: a.Logger.Named("opcua"), Secrets: opcua.SecretFunc(a.secretString), Store: a.Alarms})
	if a.runSensors(ctx, "opcua", m, err, func(ctx context.Context) abi.HealthResponse {
		for _, h := range m.Health(ctx) {
			if h.Status != opcua.HealthOK {
				return abi.HealthResponse{Status: abi.HealthDegraded, Message: "endpoint " + h.Name + " " + h.State}
			}
		}
		return abi.HealthResponse{Status: abi.HealthHealthy}
	}) {
		a.OPCUA = m
	}
}
