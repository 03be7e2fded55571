package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/machina-go/machina/host/internal/audit"
)

func runPluginDiff(_ context.Context, c *cli, args []string) int {
	fs := c.flagSet("machina plugin diff", "Usage: machina plugin diff OLD.wasm NEW.wasm [--json]\n\n"+
		"Prints what an upgrade changes in capabilities: name/version/ABI, requested\n"+
		"origins with their auth profiles, secrets and declared reads and writes,\n"+
		"imports, operations, mail and key-value requests; then the findings (a new\n"+
		"write path or write operation, a new origin, mail). Nothing is executed:\n"+
		"operations are the modules' exports.")
	asJSON := fs.Bool("json", false, "print JSON")
	var files, flags []string
	for i := 0; i < len(args); i++ {
		if len(args[i]) > 1 && args[i][0] == '-' {
			flags = append(flags, args[i])
			continue
		}
		files = append(files, args[i])
	}
	if code, ok := parseFlags(fs, flags, -1); !ok {
		return code
	}
	if len(files) != 2 {
		fs.Usage()
		return 2
	}
	var reps [2]*audit.Report
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(c.stderr, "machina plugin diff:", err)
			return 1
		}
		if reps[i], err = audit.Audit(b, audit.Options{File: f}); err != nil {
			fmt.Fprintf(c.stderr, "machina plugin diff: %s: %v\n", f, err)
			return 1
		}
	}
	d := audit.Diff(reps[0], reps[1])
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprintf(c.stdout, "old: %s %s (ABI %s) sha256 %s\n", d.Old.Name, d.Old.Version, d.Old.ABI, d.Old.SHA256)
	fmt.Fprintf(c.stdout, "new: %s %s (ABI %s) sha256 %s\n", d.New.Name, d.New.Version, d.New.ABI, d.New.SHA256)
	if len(d.Changes) == 0 {
		fmt.Fprintln(c.stdout, "no capability changes")
		return 0
	}
	for _, ch := range d.Changes {
		fmt.Fprintln(c.stdout, ch.String())
	}
	if len(d.Findings) > 0 {
		fmt.Fprintln(c.stdout, "\nfindings:")
		for _, f := range d.Findings {
			fmt.Fprintf(c.stdout, "  [%-6s] %s: %s\n", f.Severity, f.Code, f.Message)
		}
	}
	return 0
}
