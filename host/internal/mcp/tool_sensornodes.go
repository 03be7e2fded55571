package mcp

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/machina-go/machina/host/internal/sensor"
)

// Sensor points by alias: read_node_value and read_node_values, limited to
// the aliases an operator configured (OPC-UA node aliases, MQTT topic
// aliases) — never a raw node id or topic.

func readSensorNodeTool() tool {
	return tool{Name: "machina_read_sensor_node", Capability: abi.CapReadNodeValue,
		Output:      listOutput[sensor.Reading]("readings"),
		Description: "Read one configured sensor point by its alias (e.g. pump-101.temperature): value, unit, quality and time. Only configured aliases can be read.",
		Params:      []param{{Name: "alias", Type: "string", Required: true, Description: "Configured alias of an OPC-UA node or MQTT topic"}},
		Run: withStr("alias", func(ctx context.Context, r *router.Router, alias string) ([]sensor.Reading, error) {
			return r.ReadSensorNodes(ctx, []string{alias})
		})}
}

func readSensorNodesTool() tool {
	return tool{Name: "machina_read_sensor_nodes", Capability: abi.CapReadNodeValues,
		Output: listOutput[sensor.Reading]("readings"),
		Description: fmt.Sprintf("Read several configured sensor points by alias in one call (at most %d): value, unit, quality and time of each. Only configured aliases can be read.",
			router.MaxSensorNodes),
		Params: []param{{Name: "aliases", Type: "array", Required: true, Description: "Configured aliases of OPC-UA nodes or MQTT topics"}},
		Run: func(ctx context.Context, r *router.Router, a *args) (any, error) {
			names := a.strList("aliases")
			if a.Err() != nil {
				return nil, a.Err()
			}
			return r.ReadSensorNodes(ctx, names)
		}}
}
