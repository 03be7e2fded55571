// Package cli is the machina command line: flag parsing, dispatch and
// printing for every command. It assembles nothing itself: commands that
// run the host go through app.Build.
//
// Logs go to stderr; stdout belongs to command output and, for
// "serve --transport stdio", to the MCP protocol alone.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"syscall"
)

// version is the host version, overridable with
// -ldflags "-X github.com/machina-go/machina/host/internal/cli.version=…".
var version = "0.1.0-dev"

// cli is what every command receives: its streams and the environment, so
// commands are testable without touching process globals.
type cli struct {
	stdin  io.Reader // nil reads nothing (end of input at once)
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// input is the command's standard input.
func (c *cli) input() io.Reader {
	if c.stdin == nil {
		return strings.NewReader("")
	}
	return c.stdin
}

// command is one entry of the command table.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) int
}

// commands is the command table; each command lives in its own file.
func commands() []command {
	return []command{
		{"serve", "run the MCP server (stdio or streamable HTTP)", runServe},
		{"describe", "print Machina's capabilities (text or --json)", runDescribe},
		{"plugin", "build, inspect, audit, diff, sign and test plugins", runPlugin},
		{"sim", "run a protocol simulator (maximo, sap, rest, telegram, opcua)", runSim},
		{"docs", "ingest and search equipment manuals", runDocs},
		{"trace", "verify and tail trace files", runTrace},
		{"opcua", "OPC-UA helpers (gen-cert, check)", runOPCUA},
		{"chat", "talk to the Machina agent in the terminal", runChat},
		{"doctor", "check a deployment for security problems", runDoctor},
		{"demo", "build everything and run the demo", runDemo},
		{"health", "probe a running server's /health (for container health checks)", runHealth},
		{"version", "print the version", func(_ context.Context, c *cli, _ []string) int {
			fmt.Fprintln(c.stdout, "machina", version)
			return 0
		}},
	}
}

// Main runs the command line args (without the program name) until ctx
// ends and returns the process exit code. Standard input is the process's.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return run(ctx, &cli{stdin: os.Stdin, stdout: stdout, stderr: stderr, getenv: getenv}, args)
}

// MainProcess is Main for a process: os streams and environment, and
// SIGINT/SIGTERM cancel the context.
func MainProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
}

// run dispatches args to a command and returns the process exit code:
// 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, c *cli, args []string) int {
	if err := refuseSecretFlags(args); err != nil {
		fmt.Fprintln(c.stderr, "machina:", err)
		return 2
	}
	return dispatch(ctx, c, "machina", "command", commands(), usage, args)
}

// dispatch runs the entry of subs named by args[0], for the top level and
// every command group. No argument prints usage and exits 2; -h, --help
// and help print usage and exit 0; an unknown name exits 2 after usage.
func dispatch(ctx context.Context, c *cli, prefix, kind string, subs []command, usage func(io.Writer), args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(c.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, sub := range subs {
		if sub.name == args[0] {
			return sub.run(ctx, c, args[1:])
		}
	}
	fmt.Fprintf(c.stderr, "%s: unknown %s %q\n\n", prefix, kind, args[0])
	usage(c.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: machina <command> [arguments]\n\nCommands:")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, cmd := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w, "\nRun 'machina <command> --help' for a command's flags.")
}

// secretFlagRE matches flag names that look like they carry a secret.
var secretFlagRE = regexp.MustCompile(`(?i)(password|passwd|secret|token|api[_-]?key|apikey|credential|private[_-]?key)`)

// refuseSecretFlags rejects any command-line flag whose name looks like a
// secret: argv is visible to every local user through ps and /proc.
func refuseSecretFlags(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if secretFlagRE.MatchString(name) {
			return fmt.Errorf("refusing flag --%s: secrets must never be passed on the command line (visible in ps); "+
				"name them in machina.toml [secrets] as env:NAME, file:PATH or systemd credentials instead", name)
		}
	}
	return nil
}

// notYet is the body of commands whose issue has not landed.
func notYet(c *cli, what string) int {
	fmt.Fprintf(c.stderr, "machina: %s is not implemented yet\n", what)
	return 1
}

// parseArg parses flags that may stand before or after (or on both sides
// of) at most one positional argument, which it returns ("" for none). ok
// is false when the command must stop, with its exit code: 0 after -h, 2 on
// a usage error (usage printed).
func parseArg(fs *flag.FlagSet, args []string) (arg string, code int, ok bool) {
	var pos []string
	for {
		if code, ok := parseFlags(fs, args, -1); !ok {
			return "", code, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) > 1 {
		fmt.Fprintf(fs.Output(), "%s: too many arguments: %q\n", fs.Name(), pos)
		fs.Usage()
		return "", 2, false
	}
	if len(pos) == 1 {
		arg = pos[0]
	}
	return arg, 0, true
}

// requireArg is parseArg for a command whose positional argument is
// required.
func requireArg(fs *flag.FlagSet, args []string) (arg string, code int, ok bool) {
	arg, code, ok = parseArg(fs, args)
	if ok && arg == "" {
		fs.Usage()
		return "", 2, false
	}
	return arg, code, ok
}

// flagSet is a command's flag set: errors go to stderr, and its usage is
// text followed by the flags.
func (c *cli) flagSet(name, text string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, text)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a command's arguments, allowing at most maxArgs
// positional ones (-1: any). ok is false when the command must stop, with
// its exit code: 0 after -h, 2 on a usage error (usage printed).
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if maxArgs >= 0 && fs.NArg() > maxArgs {
		fs.Usage()
		return 2, false
	}
	return 0, true
}
