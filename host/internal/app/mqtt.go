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
	if a.runSensors(ctx, "mqtt", m, err, func(context.Context) abi.HealthResponse {
		for _, h := range m.Health() {
			if h.Status != sensor.HealthOK {
				return abi.HealthResponse{Status: abi.HealthDegraded, Message: "broker " + h.Name + " " + h.State}
			}
		}
		return abi.HealthResponse{Status: abi.HealthHealthy}
	}) {
		a.MQTT = m
	}
}

// sensorManager is a sensor source the app starts and closes (the MQTT and
// OPC-UA managers).
type sensorManager interface {
	registry.SensorSource
	Start(context.Context) error
	Close() error
}

// runSensors starts m, built with err, and registers it as the sensor
// source name with health; a failure is recorded in the registry instead.
// It reports whether m runs (then it is closed with the app).
func (a *App) runSensors(ctx context.Context, name string, m sensorManager, err error, health registry.HealthFunc) bool {
	if err == nil {
		err = m.Start(ctx)
	}
	if err != nil {
		a.Registry.Fail(name, registry.KindSensors, err)
		return false
	}
	a.closers = append(a.closers, func() { _ = m.Close() })
	if _, err := a.Registry.AddSensors(name, m, health); err != nil {
		a.Registry.Fail(name, registry.KindSensors, err)
	}
	return true
}
