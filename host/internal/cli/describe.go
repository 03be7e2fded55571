package cli

import (
	"context"
	"flag"

	"github.com/machina-go/machina/host/internal/mcp"
)

// runDescribe is `machina describe [--json]`: what Machina can do
// (capabilities, tools, operations, resources, prompts), independent of any
// configuration. The JSON is byte-identical to the machina://v1/capabilities
// resource.
func runDescribe(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	asJSON := fs.Bool("json", false, "print machine-readable JSON (same bytes as the machina://v1/capabilities resource)")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *asJSON {
		b, err := mcp.DescribeJSON()
		if err != nil {
			return c.fail(fs, err)
		}
		if _, err := c.stdout.Write(b); err != nil {
			return 1
		}
		return 0
	}
	if err := mcp.WriteDescribeText(c.stdout); err != nil {
		return c.fail(fs, err)
	}
	return 0
}
