package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/machina-go/machina/host/internal/audit"
)

func runPluginDiff(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	asJSON := addJSONFlag(fs, "print JSON")
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
			return c.fail(fs, err)
		}
		if reps[i], err = audit.Audit(b, audit.Options{File: f}); err != nil {
			fmt.Fprintf(c.stderr, "machina plugin diff: %s: %v\n", f, err)
			return 1
		}
	}
	d := audit.Diff(reps[0], reps[1])
	if err := asJSON.print(c, d, func(w io.Writer) { printDiff(w, d) }); err != nil {
		return c.fail(fs, err)
	}
	return 0
}

// printDiff prints an upgrade's capability changes for people.
func printDiff(w io.Writer, d audit.DiffResult) {
	fmt.Fprintf(w, "old: %s %s (ABI %s) sha256 %s\n", d.Old.Name, d.Old.Version, d.Old.ABI, d.Old.SHA256)
	fmt.Fprintf(w, "new: %s %s (ABI %s) sha256 %s\n", d.New.Name, d.New.Version, d.New.ABI, d.New.SHA256)
	if len(d.Changes) == 0 {
		fmt.Fprintln(w, "no capability changes")
		return
	}
	for _, ch := range d.Changes {
		fmt.Fprintln(w, ch.String())
	}
	if len(d.Findings) > 0 {
		fmt.Fprintln(w, "\nfindings:")
		for _, f := range d.Findings {
			fmt.Fprintf(w, "  [%-6s] %s: %s\n", f.Severity, f.Code, f.Message)
		}
	}
}
