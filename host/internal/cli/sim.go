package cli

import (
	"context"
	"fmt"
	"io"
)

// simulators lists the `machina sim` simulators; add one line per simulator.
func simulators() []command {
	return []command{
		{"maximo", "IBM Maximo OSLC JSON API (mxasset, mxwo, mxinventory, mxpm) with faults", runSimMaximo},
		{"sap", "SAP PM OData v2/v4 (equipment, orders with CSRF writes, plans, BOM) with basic or OAuth2 auth and faults", runSimSAP},
		{"rest", "REST/JSON CMMS speaking the API of a cmms-rest preset (--preset upkeep or maintainx)", runSimREST},
		{"opcua", "demo plant OPC-UA server", runSimOPCUA},
		{"telegram", "Telegram Bot API (getMe, getUpdates long polling, sendMessage); token from $MACHINA_TELEGRAM_BOT_TOKEN", runSimTelegram},
		{"plant", "every demo simulator plus a machina.toml for a separate `machina serve` (restart and crash runs)", runSimPlant},
	}
}

func runSim(ctx context.Context, c *cli, args []string) int {
	return dispatch(ctx, c, "machina sim", "simulator", simulators(), simUsage, args)
}

func simUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: machina sim <name> [flags]\n\nSimulators (for tests, the conformance kit and demos; loopback by default):")
	for _, s := range simulators() {
		fmt.Fprintf(w, "  %-8s %s\n", s.name, s.summary)
	}
}
