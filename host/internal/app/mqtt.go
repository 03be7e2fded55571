package app

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/mqtt"
	"github.com/machina-go/machina/host/internal/registry"
	"github.com/machina-go/machina/host/internal/sensor"
)

// startMQTT starts the MQTT manager when [[mqtt.broker]] is configured. Its
// alarms go to the store shared with OPC-UA.
func (a *App) startMQTT(ctx context.Context) {
	cfg := a.Config
	var mc mqtt.Config
	if err := cfg.DecodeStrict(cfg.MQTT, "mqtt", &mc); err != nil {
		a.Registry.Fail("mqtt", registry.KindSensors, fmt.Errorf("[mqtt]: %w", err))
		return
	}
	if len(mc.Brokers) == 0 {
		return
	}
	if cfg.Dir() != "" {
		mc.ResolvePaths(cfg.Dir())
	}
	m, err := mqtt.NewManager(mc, mqtt.Options{Logger: a.Logger.Named("mqtt"), Secrets: sensor.SecretFunc(a.secretString), Store: a.Alarms})
	if err == nil {
		err = m.Start(ctx)
	}
	if err != nil {
		a.Registry.Fail("mqtt", registry.KindSensors, err)
		return
	}
	a.MQTT = m
	a.closers = append(a.closers, func() { _ = m.Close() })
	if _, err := a.Registry.AddSensors("mqtt", m, func(context.Context) abi.HealthResponse {
		for _, h := range m.Health() {
			if h.Status != sensor.HealthOK {
				return abi.HealthResponse{Status: abi.HealthDegraded, Message: "broker " + h.Name + " " + h.State}
			}
		}
		return abi.HealthResponse{Status: abi.HealthHealthy}
	}); err != nil {
		a.Registry.Fail("mqtt", registry.KindSensors, err)
	}
}
