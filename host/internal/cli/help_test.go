package cli

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/sim/rest"
	"github.com/machina-go/machina/internal/sim/sap"
	"github.com/machina-go/machina/internal/sim/telegram"
)

// walkCommands calls visit for every command of the tree with its path.
func walkCommands(cmd command, path string, visit func(cmd command, path string)) {
	visit(cmd, path)
	for _, sub := range cmd.subs {
		walkCommands(sub, path+" "+sub.name, visit)
	}
}

// TestEveryCommandHasHelp: every command of the tree has a help file that
// --help prints (with exit 0), every group's help names each of its
// subcommands, and no help file is left without a command.
func TestEveryCommandHasHelp(t *testing.T) {
	used := map[string]bool{}
	root := commandTree()
	walkCommands(root, root.name, func(cmd command, path string) {
		file := helpFile(path)
		used[file] = true
		text, err := helpFiles.ReadFile(file)
		if err != nil {
			t.Errorf("%s: no help: %v", path, err)
			return
		}
		if !strings.HasPrefix(string(text), "Usage: "+path) {
			t.Errorf("%s: %s does not start with its usage line:\n%s", path, file, text)
		}
		for _, sub := range cmd.subs {
			if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(sub.name) + ` `).Match(text) {
				t.Errorf("%s: help does not list %q:\n%s", path, sub.name, text)
			}
		}
		code, _, stderr := runCLI(t, nil, append(strings.Fields(path)[1:], "--help")...)
		if code != 0 || !strings.HasPrefix(stderr, string(text)) {
			t.Errorf("%s --help: exit %d, want 0 and the help text first:\n%s", path, code, stderr)
		}
	})
	files, err := fs.Glob(helpFiles, "help/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !used[f] {
			t.Errorf("%s belongs to no command", f)
		}
	}
}

// TestHelpNamesRealVariables: the help texts name the environment
// variables (and paths) the commands really use.
func TestHelpNamesRealVariables(t *testing.T) {
	for path, vars := range map[string][]string{
		"machina serve":        {mcp.EnvTokensJSON},
		"machina sim maximo":   {maximo.EnvAPIKey, maximo.EnvUser, maximo.EnvPassword, maximo.EnvToken},
		"machina sim sap":      {sap.BasePath, sap.EnvUser, sap.EnvPassword, sap.EnvClientID, sap.EnvClientSecret},
		"machina sim rest":     {rest.EnvToken},
		"machina sim telegram": {"$" + telegram.DefaultTokenEnv},
	} {
		for _, v := range vars {
			if !strings.Contains(helpText(path), v) {
				t.Errorf("%s: help does not name %s", path, v)
			}
		}
	}
}

// TestUnknownCommandShowsHelp: an unknown name exits 2 with the group's
// help; a group without an argument exits 2 with it too.
func TestUnknownCommandShowsHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuch"}, `machina: unknown command "nosuch"`},
		{[]string{"sim", "nosuch"}, `machina sim: unknown simulator "nosuch"`},
		{[]string{"plugin", "nosuch"}, `machina plugin: unknown subcommand "nosuch"`},
		{[]string{"docs"}, "Usage: machina docs <subcommand>"},
		{nil, "Usage: machina <command>"},
	} {
		code, _, stderr := runCLI(t, nil, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%q: exit %d, want 2 and %q:\n%s", tc.args, code, tc.want, stderr)
		}
	}
}
