package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/machina-go/machina/host/internal/audit"
)

func runPluginDiff(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina plugin diff", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	static := fs.Bool("static", false, "compare operations derived from the exports instead of running machina_describe under a deny-all host")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: machina plugin diff OLD.wasm NEW.wasm [--json]\n\n"+
			"Prints what an upgrade changes in capabilities: name/version/ABI, requested\n"+
			"origins with their auth profiles and secrets, imports, operations, mail and\n"+
			"key-value requests. Operations come from each module's machina_describe run\n"+
			"once under a deny-all host when both modules allow it (otherwise, or with\n"+
			"--static, from the exports).")
		fs.PrintDefaults()
	}
	var files, flags []string
	for i := 0; i < len(args); i++ {
		if len(args[i]) > 1 && args[i][0] == '-' {
			flags = append(flags, args[i])
			continue
		}
		files = append(files, args[i])
	}
	if err := fs.Parse(flags); err != nil {
		return 2
	}
	if len(files) != 2 {
		fs.Usage()
		return 2
	}
	var reps [2]*audit.Report
	var wasms [2][]byte
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(c.stderr, "machina plugin diff:", err)
			return 1
		}
		wasms[i] = b
		if reps[i], err = audit.Audit(b, audit.Options{File: f}); err != nil {
			fmt.Fprintf(c.stderr, "machina plugin diff: %s: %v\n", f, err)
			return 1
		}
	}
	if !*static && reps[0].Max() != audit.High && reps[1].Max() != audit.High {
		// Use the plugins' own descriptors only when both are available, so
		// the comparison is like for like.
		d0, n0 := describeModule(ctx, c, wasms[0], nil)
		d1, n1 := describeModule(ctx, c, wasms[1], nil)
		if d0 != nil && d1 != nil {
			reps[0], _ = audit.Audit(wasms[0], audit.Options{File: files[0], Descriptor: d0, DescriptorNote: n0})
			reps[1], _ = audit.Audit(wasms[1], audit.Options{File: files[1], Descriptor: d1, DescriptorNote: n1})
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
	return 0
}
