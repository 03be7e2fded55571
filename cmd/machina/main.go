// Command machina is the Machina host: MCP server, plugin tooling,
// simulators, document store and trace tools in one binary.
//
// Everything lives in the host package; this is only the process entry.
package main

import (
	"os"

	"github.com/machina-go/machina/host"
)

func main() { os.Exit(host.Main()) }
