package cli

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/host/internal/mcp"
)

// runDescribe is `machina describe [--json]`: what Machina can do
// (capabilities, tools, operations, resources, prompts), independent of any
// configuration. The JSON is byte-identical to the machina://v1/capabilities
// resource.
func runDescribe(_ context.Context, c *cli, args []string) int {
	fs := c.flagSet("machina describe", "Usage: machina describe [--json]\n\nPrints Machina's capabilities, MCP tools with their read/write class,\n"+
		"the plugin ABI operation table, resources and prompts. Needs no configuration.\n\nFlags:")
	asJSON := fs.Bool("json", false, "print machine-readable JSON (same bytes as the machina://v1/capabilities resource)")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *asJSON {
		b, err := mcp.DescribeJSON()
		if err != nil {
			fmt.Fprintln(c.stderr, "machina describe:", err)
			return 1
		}
		if _, err := c.stdout.Write(b); err != nil {
			return 1
		}
		return 0
	}
	if err := mcp.WriteDescribeText(c.stdout); err != nil {
		fmt.Fprintln(c.stderr, "machina describe:", err)
		return 1
	}
	return 0
}
