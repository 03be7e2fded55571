package cli

import (
	"context"
	"fmt"
	"io"
)

// pluginCommands lists the `machina plugin` subcommands, one file each.
func pluginCommands() []command {
	return []command{
		{"build", "compile a plugin folder into a .wasm with its manifest embedded", runPluginBuild},
		{"inspect", "print a module's embedded manifest and descriptor", runPluginInspect},
		{"audit", "audit a module statically: imports, exports, requests, grant, findings", runPluginAudit},
		{"diff", "show what an upgrade changes in a plugin's capabilities", runPluginDiff},
		{"sign", "sign a module with an ed25519 key (--key FILE)", runPluginSign},
		{"keygen", "create an ed25519 signing key pair (--out DIR)", runPluginKeygen},
		{"test", "run the CMMS conformance kit against a simulator (--sim maximo)", runPluginTest},
	}
}

func runPlugin(ctx context.Context, c *cli, args []string) int {
	return dispatch(ctx, c, "machina plugin", "subcommand", pluginCommands(), pluginUsage, args)
}

func pluginUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: machina plugin <subcommand> [arguments]\n\nSubcommands:")
	for _, sub := range pluginCommands() {
		fmt.Fprintf(w, "  %-8s %s\n", sub.name, sub.summary)
	}
}
