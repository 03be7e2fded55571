// Package plugintest is test support for the plugins shipped in this
// repository, written against the public host package only, as a vendor's
// tests would be: it builds a plugin folder with `machina plugin build`,
// runs the conformance kit with `machina plugin test`, and starts a host
// from a machina.toml.
//
// Test support only: it keeps a per-process memo of built modules.
package plugintest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/machina-go/machina/host"
	"github.com/machina-go/machina/internal/testcache"
)

// Root returns the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

type built struct {
	once sync.Once
	path string
	err  string
}

// memo holds one build per plugin folder for the test process.
var memo sync.Map // absolute dir -> *built

// Module returns the path of the built module of the plugin folder dir
// (relative to the repository root, or absolute). A prebuilt
// $MACHINA_DIST/<folder>.wasm is used for folders under plugins/; otherwise
// the folder is built once per test process with `machina plugin build`.
func Module(tb testing.TB, dir string) string {
	tb.Helper()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(Root(), dir)
	}
	if dist := os.Getenv("MACHINA_DIST"); dist != "" && filepath.Dir(dir) == filepath.Join(Root(), "plugins") {
		p := filepath.Join(dist, filepath.Base(dir)+".wasm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	v, _ := memo.LoadOrStore(dir, &built{})
	b := v.(*built)
	b.once.Do(func() {
		out, err := os.MkdirTemp("", "machina-plugintest-*")
		if err != nil {
			b.err = err.Error()
			return
		}
		b.path = filepath.Join(out, filepath.Base(dir)+".wasm")
		b.err = Build(dir, b.path)
	})
	if b.err != "" {
		tb.Fatalf("building %s: %s", dir, b.err)
	}
	return b.path
}

// Build runs `machina plugin build dir -o out` and returns its error
// output, empty on success.
func Build(dir, out string) string {
	var stderr bytes.Buffer
	if code := host.Run(context.Background(), []string{"plugin", "build", dir, "-o", out}, io.Discard, &stderr); code != 0 {
		if stderr.Len() == 0 {
			return "machina plugin build failed"
		}
		return stderr.String()
	}
	return ""
}

// Check is one conformance check as `machina plugin test --json` reports it.
type Check struct {
	Name     string `json:"name"`
	Status   string `json:"status"`
	Expected string `json:"expected"`
	Got      string `json:"got"`
}

// Report is the kit's JSON report.
type Report struct {
	Simulator string `json:"simulator"`
	// Shapes are the upstream shapes the kit ran the plugin against, the
	// default first.
	Shapes []Shape `json:"shapes"`
	// Corpus are the corpus scenarios it ran.
	Corpus  []Scenario `json:"corpus"`
	Passed  int        `json:"passed"`
	Failed  int        `json:"failed"`
	Skipped int        `json:"skipped"`
	Checks  []Check    `json:"checks"`
}

// Shape is a response shape the kit ran the checks in.
type Shape struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Scenario is a corpus scenario the kit ran.
type Scenario struct {
	Name   string `json:"name"`
	Shape  string `json:"shape"`
	Source string `json:"source"`
}

// ShapeNames returns the names of r.Shapes.
func (r Report) ShapeNames() []string {
	out := make([]string, len(r.Shapes))
	for i, s := range r.Shapes {
		out[i] = s.Name
	}
	return out
}

// Find returns the check named name.
func (r Report) Find(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// Kit runs `machina plugin test module --json args...` and returns the
// report and the exit code.
func Kit(tb testing.TB, module string, args ...string) (Report, int) {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	code := host.Run(context.Background(), append([]string{"plugin", "test", module, "--json"}, args...), &stdout, &stderr)
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		tb.Fatalf("machina plugin test (exit %d) printed no report: %v\nstderr:\n%s", code, err, stderr.String())
	}
	return rep, code
}

// KitText runs `machina plugin test module args...` and returns its text
// output and exit code.
func KitText(tb testing.TB, module string, args ...string) (string, int) {
	tb.Helper()
	var out bytes.Buffer
	code := host.Run(context.Background(), append([]string{"plugin", "test", module}, args...), &out, &out)
	return out.String(), code
}

// Host starts a host from cfg, a machina.toml given as a TOML-encodable
// value (maps or structs), with env as its whole environment (secret
// references "env:NAME" resolve there) and its logs written to logs (nil
// discards them). It is closed when the test ends. Its compilation cache is
// the one the test processes share (package testcache).
func Host(tb testing.TB, cfg any, env map[string]string, logs io.Writer) *host.Host {
	tb.Helper()
	if logs == nil {
		logs = io.Discard
	}
	var text bytes.Buffer
	if err := toml.NewEncoder(&text).Encode(cfg); err != nil {
		tb.Fatalf("encoding machina.toml: %v", err)
	}
	dir := tb.TempDir()
	testcache.Share(tb, filepath.Join(dir, "data")) // data_dir's default
	h, err := host.New(context.Background(), host.Options{Config: text.Bytes(), Dir: dir,
		Getenv: func(k string) string { return env[k] }, Stderr: logs})
	if err != nil {
		tb.Fatalf("starting the host: %v\nmachina.toml:\n%s", err, text.String())
	}
	tb.Cleanup(h.Close)
	return h
}

// Conforms builds the plugin folder dir, runs the conformance kit on it
// with args, and fails the test on any failed check or when the kit chose
// another simulator than sim.
func Conforms(t *testing.T, dir, sim string, args ...string) Report {
	t.Helper()
	rep, code := Kit(t, Module(t, dir), args...)
	for _, c := range rep.Checks {
		if c.Status == "fail" {
			t.Errorf("%s: expected %s; got %s", c.Name, c.Expected, c.Got)
		}
	}
	if code != 0 || rep.Simulator != sim || rep.Failed != 0 {
		t.Fatalf("conformance of %s: %d passed, %d failed, %d skipped (simulator %s), exit %d", dir, rep.Passed, rep.Failed, rep.Skipped, rep.Simulator, code)
	}
	return rep
}
