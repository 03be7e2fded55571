// Command cmms-maximo is a placeholder until its issue lands: it registers a plugin
// that only answers health, reporting that it is not implemented.
package main

import (
	"context"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

func init() { pdk.RegisterCMMS(pdk.Info{Name: "cmms-maximo", Version: "0.0.0"}, stub{}) }

func main() {}

type stub struct{}

func (stub) Init(context.Context, pdk.Config) error { return nil }

func (stub) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthUnhealthy, Message: "cmms-maximo is not implemented yet"}, nil
}
