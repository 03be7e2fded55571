// Command initloop is a test-only plugin whose Go init() never returns.
// Instantiating it runs _initialize, which runs init(): anything that
// executes the module hangs until its timeout. `machina plugin audit` and
// `machina plugin inspect` must not.
package main

import (
	"context"
	_ "embed"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

//go:embed plugin.toml
var manifest string

func init() {
	pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &loop{})
	for spin := 0; ; spin++ {
		if spin < 0 {
			return
		}
	}
}

func main() {}

type loop struct{}

func (*loop) Init(context.Context, pdk.Config) error { return nil }

func (*loop) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}

func (*loop) GetWorkOrder(context.Context, abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return abi.WorkOrderResponse{}, abi.NotFound("none")
}
