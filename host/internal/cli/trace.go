package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/machina-go/machina/host/internal/trace"
)

// traceArgs parses a trace subcommand's flags and its directory, given as
// --dir DIR or as the one argument (before or after the flags). code is
// the exit code when ok is false.
func traceArgs(c *cli, fs *flag.FlagSet, args []string) (dir string, code int, ok bool) {
	flagDir := fs.String("dir", "", "trace `directory` (or give it as the argument; default $MACHINA_TRACE_DIR, else ./traces)")
	pos, code, ok := parseArg(fs, args)
	switch {
	case !ok:
		return "", code, false
	case pos != "" && *flagDir != "" && pos != *flagDir:
		fmt.Fprintf(c.stderr, "%s: two directories given: %s and --dir %s\n", fs.Name(), pos, *flagDir)
		return "", 2, false
	case pos != "":
		return pos, 0, true
	case *flagDir != "":
		return *flagDir, 0, true
	}
	if v := c.getenv("MACHINA_TRACE_DIR"); v != "" {
		return v, 0, true
	}
	return trace.DefaultDir, 0, true
}

func runTraceVerify(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	asJSON := addJSONFlag(fs, "print the report as JSON")
	dir, code, ok := traceArgs(c, fs, args)
	if !ok {
		return code
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(c.stderr, "machina trace verify: %s is not a readable directory\n", dir)
		return 1
	}
	rep, err := trace.Verify(dir)
	if err != nil {
		return c.fail(fs, err)
	}
	if err := asJSON.print(c, rep, func(w io.Writer) { printVerify(w, rep) }); err != nil {
		return c.fail(fs, err)
	}
	if !rep.OK {
		return 1
	}
	return 0
}

// printVerify prints a verification report for people.
func printVerify(w io.Writer, rep trace.Report) {
	if !rep.OK {
		fmt.Fprintf(w, "BROKEN: %s:%d: %s\n", rep.File, rep.Line, rep.Reason)
		return
	}
	fmt.Fprintf(w, "OK: %d files, %d entries (%d chained, %d before the chain)",
		rep.Files, rep.Entries, rep.Entries-rep.Unchained, rep.Unchained)
	if rep.LastHash != "" {
		fmt.Fprintf(w, "; seq %d..%d, head %s", rep.FirstSeq, rep.LastSeq, rep.LastHash)
	}
	fmt.Fprintln(w)
	if rep.Writer != nil {
		fmt.Fprintf(w, "note: written right now by %s", rep.Writer)
		if rep.Pending {
			fmt.Fprint(w, "; its last line was still being written and is not counted")
		}
		fmt.Fprintln(w)
	}
	for _, t := range rep.Truncated {
		fmt.Fprintf(w, "note: %s\n", t)
	}
	if rep.Anchor != "" {
		fmt.Fprintf(w, "note: the chain starts at seq %d after files removed by retention (anchor %s)\n", rep.FirstSeq, rep.Anchor)
	}
	if rep.Entries > 0 && rep.LastHash == "" {
		fmt.Fprintln(w, "note: no entry carries a hash; enable [trace] hash_chain = true")
	}
}

func runTraceTail(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	follow := fs.Bool("follow", false, "keep printing new entries (also -f)")
	fs.BoolVar(follow, "f", false, "same as --follow")
	asJSON := fs.Bool("json", false, "print raw JSONL lines")
	n := fs.Int("n", 10, "how many existing entries to print first (-1: all)")
	dir, code, ok := traceArgs(c, fs, args)
	if !ok {
		return code
	}
	opts := trace.TailOptions{Lines: *n, Follow: *follow, JSON: *asJSON}
	if err := trace.Tail(ctx, dir, c.stdout, opts); err != nil {
		return c.fail(fs, err)
	}
	return 0
}
