package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/machina-go/machina/host/internal/trace"
)

// runTrace dispatches `machina trace verify|tail`.
func runTrace(ctx context.Context, c *cli, args []string) int {
	return dispatch(ctx, c, "machina trace", "subcommand", []command{
		{"verify", "check the hash chain of the trace files", runTraceVerify},
		{"tail", "print the latest trace entries", runTraceTail},
	}, traceUsage, args)
}

func traceUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: machina trace <subcommand> [arguments]

Subcommands:
  verify [--json] [DIR]                        check the hash chain of the trace files
  tail [--follow] [--json] [-n N] [--dir DIR]  print the latest trace entries

DIR defaults to $MACHINA_TRACE_DIR, else ./traces.
`)
}

// traceDir returns the directory to use when none was given.
func traceDir(c *cli, dir string) string {
	if dir != "" {
		return dir
	}
	if v := c.getenv("MACHINA_TRACE_DIR"); v != "" {
		return v
	}
	return trace.DefaultDir
}

func runTraceVerify(_ context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina trace verify", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: machina trace verify [--json] [DIR]\n\n"+
			"Checks the hash chain (seq, prev_hash, hash) of every trace file in DIR and\n"+
			"reports the first edited, deleted, reordered or truncated line.\n"+
			"Exit status: 0 intact, 1 broken or unreadable, 2 usage.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	dir := traceDir(c, fs.Arg(0))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(c.stderr, "machina trace verify: %s is not a readable directory\n", dir)
		return 1
	}
	rep, err := trace.Verify(dir)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina trace verify:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else if rep.OK {
		fmt.Fprintf(c.stdout, "OK: %d files, %d entries (%d chained, %d before the chain)",
			rep.Files, rep.Entries, rep.Entries-rep.Unchained, rep.Unchained)
		if rep.LastHash != "" {
			fmt.Fprintf(c.stdout, "; seq %d..%d, head %s", rep.FirstSeq, rep.LastSeq, rep.LastHash)
		}
		fmt.Fprintln(c.stdout)
		if rep.Anchor != "" {
			fmt.Fprintf(c.stdout, "note: the chain starts at seq %d after files removed by retention (anchor %s)\n", rep.FirstSeq, rep.Anchor)
		}
		if rep.Entries > 0 && rep.LastHash == "" {
			fmt.Fprintln(c.stdout, "note: no entry carries a hash; enable [trace] hash_chain = true")
		}
	} else {
		fmt.Fprintf(c.stdout, "BROKEN: %s:%d: %s\n", rep.File, rep.Line, rep.Reason)
	}
	if !rep.OK {
		return 1
	}
	return 0
}

func runTraceTail(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina trace tail", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	follow := fs.Bool("follow", false, "keep printing new entries (also -f)")
	fs.BoolVar(follow, "f", false, "same as --follow")
	asJSON := fs.Bool("json", false, "print raw JSONL lines")
	n := fs.Int("n", 10, "how many existing entries to print first (-1: all)")
	dir := fs.String("dir", "", "trace directory (default $MACHINA_TRACE_DIR, else ./traces)")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: machina trace tail [--follow] [--json] [-n N] [--dir DIR]\n\n"+
			"Prints the latest trace entries, one line each (or raw JSON with --json);\n"+
			"--follow keeps printing across file rotation until interrupted.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	opts := trace.TailOptions{Lines: *n, Follow: *follow, JSON: *asJSON}
	d := traceDir(c, *dir)
	if err := trace.Tail(ctx, d, c.stdout, opts); err != nil {
		fmt.Fprintln(c.stderr, "machina trace tail:", err)
		return 1
	}
	return 0
}
