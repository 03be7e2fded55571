package harness

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// Command is what the soak and crash commands share around their run: the
// binary under test, where the JSON result goes, and how a run ends.
type Command struct {
	Name    string
	Machina *string // -machina: the machina binary
	Out     *string // -out: the JSON result file
}

// NewCommand declares the shared flags on the default flag set.
func NewCommand(name string) *Command {
	return &Command{
		Name:    name,
		Machina: flag.String("machina", "bin/machina", "the machina binary"),
		Out:     flag.String("out", "bench/out/"+name+".json", "JSON result file"),
	}
}

// Finish ends a run and returns the exit status: 1 after printing err, or
// else after writing res as indented JSON to Out (and handing the JSON to
// report, which prints the run's summary) when ok is false; 0 otherwise.
func (c *Command) Finish(res any, ok bool, err error, report func(js []byte)) int {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", c.Name, err)
		return 1
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	_ = os.MkdirAll(filepath.Dir(*c.Out), 0o755)
	_ = os.WriteFile(*c.Out, b, 0o644)
	report(b)
	if !ok {
		return 1
	}
	return 0
}
