// Package cli is the machina command line: flag parsing, dispatch and
// printing for every command. It assembles nothing itself: commands that
// run the host go through app.Build.
//
// The commands form one tree (commandTree); each leaf lives in a file of
// its own and receives a flag set named after it. What --help prints is
// text in help/<command>.txt (embedded; a test checks that every command
// has one and that every group's help lists its subcommands).
//
// Logs go to stderr; stdout belongs to command output and, for
// "serve --transport stdio", to the MCP protocol alone.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
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

// runFunc runs a leaf command with its flag set (named after the command,
// usage from help/) and its arguments, and returns the exit code.
type runFunc func(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int

// command is a node of the command tree: a leaf runs, a group dispatches
// to its subs. The texts people read live in help/ (see help.go).
type command struct {
	name string
	kind string // a group's word for its subs in "unknown …" errors
	run  runFunc
	subs []command
}

func leaf(name string, run runFunc) command { return command{name: name, run: run} }

func group(name, kind string, subs ...command) command {
	return command{name: name, kind: kind, subs: subs}
}

// commandTree is the whole command line; each leaf lives in its own file.
func commandTree() command {
	return group("machina", "command",
		leaf("serve", runServe),
		leaf("describe", runDescribe),
		group("plugin", "subcommand",
			leaf("build", runPluginBuild),
			leaf("inspect", runPluginInspect),
			leaf("audit", runPluginAudit),
			leaf("diff", runPluginDiff),
			leaf("sign", runPluginSign),
			leaf("keygen", runPluginKeygen),
			leaf("test", runPluginTest),
		),
		group("sim", "simulator",
			leaf("maximo", runSimMaximo),
			leaf("sap", runSimSAP),
			leaf("rest", runSimREST),
			leaf("opcua", runSimOPCUA),
			leaf("telegram", runSimTelegram),
			leaf("plant", runSimPlant),
		),
		group("docs", "subcommand",
			leaf("ingest", runDocsIngest),
			leaf("search", runDocsSearch),
			leaf("stats", runDocsStats),
		),
		group("trace", "subcommand",
			leaf("verify", runTraceVerify),
			leaf("tail", runTraceTail),
		),
		group("opcua", "subcommand",
			leaf("gen-cert", runOPCUAGenCert),
			leaf("check", runOPCUACheck),
		),
		leaf("chat", runChat),
		leaf("doctor", runDoctor),
		leaf("demo", runDemo),
		leaf("health", runHealth),
		leaf("version", runVersion),
	)
}

// runVersion is `machina version`; it ignores arguments, but not
// unknown flags.
func runVersion(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	if code, ok := parseFlags(fs, args, -1); !ok {
		return code
	}
	fmt.Fprintln(c.stdout, "machina", version)
	return 0
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
	root := commandTree()
	return root.exec(ctx, c, root.name, args)
}

// exec runs the command at path (e.g. "machina plugin sign") with args. A
// group with no argument prints its help and exits 2; -h, --help and help
// print it and exit 0; an unknown name exits 2 after the help.
func (cmd command) exec(ctx context.Context, c *cli, path string, args []string) int {
	if cmd.subs == nil {
		return cmd.run(ctx, c, c.flagSet(path), args)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(c.stderr, helpText(path))
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, sub := range cmd.subs {
		if sub.name == args[0] {
			return sub.exec(ctx, c, path+" "+sub.name, args[1:])
		}
	}
	fmt.Fprintf(c.stderr, "%s: unknown %s %q\n\n", path, cmd.kind, args[0])
	fmt.Fprint(c.stderr, helpText(path))
	return 2
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

// requireFile is requireArg for a command whose argument is a file it
// reads: it returns the name and the contents (exit 1 when unreadable).
func (c *cli) requireFile(fs *flag.FlagSet, args []string) (file string, data []byte, code int, ok bool) {
	file, code, ok = requireArg(fs, args)
	if !ok {
		return "", nil, code, false
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", nil, c.fail(fs, err), false
	}
	return file, data, 0, true
}

// flagSet is the flag set of the command at path: errors go to stderr,
// and its usage is the command's help text followed by the flags.
func (c *cli) flagSet(path string) *flag.FlagSet {
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprint(c.stderr, helpText(path))
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

// fail reports err for the command of fs and returns exit code 1.
func (c *cli) fail(fs *flag.FlagSet, err error) int { return c.exit(fs, 1, err) }

// exit reports err for the command of fs and returns code.
func (c *cli) exit(fs *flag.FlagSet, code int, err error) int {
	fmt.Fprintf(c.stderr, "%s: %v\n", fs.Name(), err)
	return code
}

// jsonFlag is a command's --json flag, which selects how print prints.
type jsonFlag struct{ on *bool }

// addJSONFlag defines --json on fs with usage.
func addJSONFlag(fs *flag.FlagSet, usage string) jsonFlag {
	return jsonFlag{fs.Bool("json", false, usage)}
}

// print writes v to stdout as indented JSON with --json, else prints it
// for people with text.
func (j jsonFlag) print(c *cli, v any, text func(w io.Writer)) error {
	if *j.on {
		return c.printJSON(v)
	}
	text(c.stdout)
	return nil
}

// printJSON writes v to stdout as indented JSON.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
