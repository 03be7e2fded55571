// Command telegram is a placeholder until its issue lands: it registers a plugin
// that only answers health, reporting that it is not implemented.
package main

import (
	"context"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

func init() { pdk.RegisterMessaging(pdk.Info{Name: "telegram", Version: "0.0.0"}, stub{}) }

func main() {}

type stub struct{}

func (stub) Init(context.Context, pdk.Config) error { return nil }

func (stub) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthUnhealthy, Message: "telegram is not implemented yet"}, nil
}

func (stub) Send(context.Context, abi.SendRequest) (abi.SendResponse, error) {
	return abi.SendResponse{}, abi.Unavailable("not implemented yet")
}

func (stub) Poll(context.Context, abi.PollRequest) (abi.PollResponse, error) {
	return abi.PollResponse{}, nil
}
