package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/machina-go/machina/internal/syncbuf"
	"github.com/machina-go/machina/internal/wire"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/audit"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/trace"
)

// Options configure a conformance run.
type Options struct {
	// Module is the path of the plugin's .wasm file (required).
	Module string
	// Sim names the simulator (default "maximo").
	Sim string
	// Auth selects the simulator's authentication mode ("" for its default).
	Auth string
	// Preset selects the rest simulator's dialect and the cmms-rest preset
	// the plugin is configured with (upkeep, maintainx).
	Preset string
	// Engine runs the plugin; nil creates one with CacheDir.
	Engine *plugin.Engine
	// CacheDir is the wazero compilation cache used when Engine is nil.
	CacheDir string
	// Logger receives the kit's own diagnostics (never plugin output).
	Logger hclog.Logger
	// Simulators overrides the known simulators (default Simulators()).
	Simulators map[string]Factory
	// OnCheck, when set, is called after each check (for live output).
	OnCheck func(Check)
	// Shapes limits the response shapes run (names; empty: every shape
	// the simulator serves, see Shaped).
	Shapes []string
	// NoCorpus skips the corpus scenarios (CorpusServer).
	NoCorpus bool
	// Corpus limits the corpus scenarios run (names; empty: every scenario).
	Corpus []string
}

// Status is the outcome of one check.
type Status string

// Check outcomes.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check is one reported check.
type Check struct {
	Name       string  `json:"name"`
	Status     Status  `json:"status"`
	Expected   string  `json:"expected"`
	Got        string  `json:"got"`
	DurationMS float64 `json:"duration_ms"`
}

// Report is the result of a run.
type Report struct {
	Module    string `json:"module"`
	Plugin    string `json:"plugin"`
	Version   string `json:"version"`
	SHA256    string `json:"sha256"`
	Simulator string `json:"simulator"`
	Upstream  string `json:"upstream"`
	Auth      string `json:"auth"`
	// Shapes are the response shapes the checks ran in (the default
	// first) and Corpus the corpus scenarios run.
	Shapes  []Shape          `json:"shapes,omitempty"`
	Corpus  []CorpusScenario `json:"corpus,omitempty"`
	Checks  []Check          `json:"checks"`
	Passed  int              `json:"passed"`
	Failed  int              `json:"failed"`
	Skipped int              `json:"skipped"`
}

// OK reports whether no check failed (and at least one passed).
func (r *Report) OK() bool { return r.Failed == 0 && r.Passed > 0 }

// Find returns the check with that name.
func (r *Report) Find(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

type syncBuffer = syncbuf.Buffer

// CorpusScenario names a corpus scenario a run exercised.
type CorpusScenario struct {
	Name   string `json:"name"`
	Shape  string `json:"shape"`
	Source string `json:"source"`
}

// run is the state of one conformance run.
type run struct {
	ctx     context.Context
	opts    Options
	factory Factory
	engine  *plugin.Engine
	dir     string
	name    string // the plugin's name for the host
	sim     Simulator
	facts   Facts
	desc    wire.Descriptor
	main    *pluginload.Loaded
	host    *app.App // the host main runs in
	prefix  string   // check name prefix of the current shape
	sandbox sandboxSwitch
	logs    *syncBuffer
	outputs *syncBuffer // every plugin result and error text
	secrets map[string]string
	tracer  *trace.Tracer
	report  *Report
}

// Run executes the kit. An error means the kit could not run at all
// (unreadable module, unknown simulator); plugin problems are failed
// checks in the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if rep, err := runMessagingIfKind(ctx, opts); rep != nil || err != nil {
		return rep, err // messaging plugins: see messaging.go
	}
	if opts.Sim == "" {
		opts.Sim = "maximo"
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	sims := opts.Simulators
	if sims == nil {
		sims = Simulators()
	}
	factory, ok := sims[opts.Sim]
	if !ok {
		return nil, fmt.Errorf("unknown simulator %q (known: %s)", opts.Sim, strings.Join(SimulatorNames(), ", "))
	}
	wasm, err := os.ReadFile(opts.Module)
	if err != nil {
		return nil, fmt.Errorf("reading module: %w", err)
	}
	sum := sha256.Sum256(wasm)
	rep := &Report{Module: opts.Module, SHA256: hex.EncodeToString(sum[:]), Simulator: opts.Sim}
	tmp, err := os.MkdirTemp("", "machina-conformance-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	sim, err := factory(ctx, SimOptions{Auth: opts.Auth, Preset: opts.Preset, Logger: opts.Logger.Named("sim")})
	if err != nil {
		return nil, fmt.Errorf("starting the %s simulator: %w", opts.Sim, err)
	}
	defer sim.Close()
	if err := checkCorpusNames(sim, opts.Corpus); err != nil {
		return nil, err
	}
	rep.Upstream = sim.BaseURL()
	if prof, _, _ := sim.Auth(); prof.Profile != "" {
		rep.Auth = string(prof.Profile)
	}

	engine, closeEngine, err := engineFor(opts)
	if err != nil {
		return nil, err
	}
	defer closeEngine()
	tracer, err := trace.New(trace.Options{Dir: filepath.Join(tmp, "traces"), Logger: opts.Logger.Named("trace"), Keep: 1000})
	if err != nil {
		return nil, err
	}
	r := newRun(ctx, opts, rep, tracer, map[string]string{})
	r.factory, r.engine, r.dir, r.name, r.sim = factory, engine, tmp, "plugin", sim
	if stat, _ := audit.Audit(wasm, audit.Options{File: opts.Module}); stat != nil {
		r.name, rep.Plugin, rep.Version = stat.Name, stat.Name, stat.Version
	}
	r.runAll()
	_ = tracer.Close(context.Background())
	r.secretCheck(filepath.Join(tmp, "traces"))
	return r.finish(), nil
}

// engineFor returns opts.Engine or, when it is nil, a new engine; the
// returned func closes an engine it created and does nothing otherwise.
func engineFor(opts Options) (*plugin.Engine, func(), error) {
	if opts.Engine != nil {
		return opts.Engine, func() {}, nil
	}
	e, err := plugin.NewEngine(plugin.EngineOptions{CacheDir: opts.CacheDir, Logger: opts.Logger.Named("engine")})
	if err != nil {
		return nil, nil, err
	}
	return e, func() { e.Close(context.Background()) }, nil
}

// newRun is a run of checks reporting into rep, with the plugin's traces
// in tracer and the secret values it may be given; the sandbox starts off.
func newRun(ctx context.Context, opts Options, rep *Report, tracer *trace.Tracer, secrets map[string]string) *run {
	return &run{ctx: ctx, opts: opts, logs: &syncBuffer{}, outputs: &syncBuffer{}, tracer: tracer, report: rep,
		secrets: secrets, sandbox: sandboxSwitch{sandbox.New(false, opts.Logger.Named("sandbox"))}}
}

// runAll runs the checks: every check in the default shape, the read and
// write checks again in each other shape, then the corpus scenarios.
func (r *run) runAll() {
	shapes := r.shapes()
	if len(shapes) > 0 {
		r.report.Shapes = append(r.report.Shapes, shapes[0])
	}
	if !r.loadMain(Shape{}) {
		return
	}
	if r.desc.Kind != abi.KindCMMS {
		r.record(Check{Name: "kind", Status: Fail, Expected: "a cmms plugin", Got: "kind " + string(r.desc.Kind)})
		r.main.Close(context.Background())
		return
	}
	prof, _, wrong := r.sim.Auth()
	r.cmmsChecks()
	r.vendorChecks()
	r.errorChecks(r.ctx, r.name, prof, wrong)
	r.writeChecks()
	r.sandboxChecks()
	r.main.Close(context.Background())
	for _, sh := range shapes[min(1, len(shapes)):] {
		r.runShape(sh)
	}
	if cs, ok := r.sim.(CorpusServer); ok && !r.opts.NoCorpus {
		r.corpusChecks(cs)
	}
}

// shapes are the shapes to run, the default first (nil when the simulator
// serves one shape only).
func (r *run) shapes() []Shape {
	sh, ok := r.sim.(Shaped)
	if !ok {
		return nil
	}
	var out []Shape
	for i, s := range sh.Shapes() {
		if i == 0 || len(r.opts.Shapes) == 0 || slices.Contains(r.opts.Shapes, s.Name) {
			out = append(out, s)
		}
	}
	return out
}

// loadMain loads the plugin against r.sim in shape sh and records the
// load check; false when it failed.
func (r *run) loadMain(sh Shape) bool {
	prof, secrets, _ := r.sim.Auth()
	for k, v := range secrets {
		r.secrets[k+"@"+r.sim.BaseURL()] = v
	}
	start := time.Now()
	host, main, err := r.load(r.ctx, r.name, prof, secrets, sh.Config)
	if err != nil {
		r.record(Check{Name: "load", Status: Fail,
			Expected: "the module passes the audit and loads through the host with a grant for " + r.sim.BaseURL() + " (" + string(prof.Profile) + " auth)",
			Got:      err.Error(), DurationMS: ms(time.Since(start))})
		return false
	}
	r.host, r.main, r.facts, r.desc = host, main, r.sim.Facts(), main.Plugin.Descriptor()
	r.report.Plugin, r.report.Version = r.desc.Name, r.desc.Version
	r.record(Check{Name: "load", Status: Pass,
		Expected:   "the module passes the audit and loads through the host with a grant for " + r.sim.BaseURL(),
		Got:        fmt.Sprintf("%s %s (%s) loaded; operations: %s", r.desc.Name, r.desc.Version, r.desc.Kind, joinOps(r.desc.Operations)),
		DurationMS: ms(time.Since(start))})
	return true
}

// runShape runs the read and write checks against a fresh simulator in
// shape sh; their names carry the shape ("nonlean/list_assets/…").
func (r *run) runShape(sh Shape) {
	sim, err := r.factory(r.ctx, SimOptions{Auth: r.opts.Auth, Shape: sh.Name, Logger: r.opts.Logger.Named("sim")})
	if err != nil {
		r.record(Check{Name: sh.Name + "/start", Status: Fail, Expected: "the simulator starts in shape " + sh.Name, Got: err.Error()})
		return
	}
	defer sim.Close()
	saved := r.sim
	r.sim, r.prefix = sim, sh.Name+"/"
	defer func() { r.sim, r.prefix = saved, "" }()
	r.report.Shapes = append(r.report.Shapes, sh)
	if !r.loadMain(sh) {
		return
	}
	defer r.main.Close(context.Background())
	r.cmmsChecks()
	r.vendorChecks()
	r.writeChecks()
}

// vendorChecker is a simulator with checks of its vendor's own behaviour
// (e.g. a gateway's CSRF exchange), run in every shape after the CMMS
// checks.
type vendorChecker interface{ vendorChecks(r *run) }

// vendorChecks runs the simulator's own checks, when it has any.
func (r *run) vendorChecks() {
	if v, ok := r.sim.(vendorChecker); ok {
		v.vendorChecks(r)
	}
}

func envName(secret string) string {
	return "MACHINA_CONFORMANCE_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(secret))
}

// load starts the module in a host built from a generated configuration
// (see kitHost), with the simulator's grant, the given credentials and the
// simulator's plugin configuration with over laid on it.
func (r *run) load(ctx context.Context, name string, prof config.Auth, secrets map[string]string, over map[string]any) (*app.App, *pluginload.Loaded, error) {
	a, l, err := kitHost{
		Plugin: config.Plugin{
			Name:   name,
			Path:   r.opts.Module,
			SHA256: r.report.SHA256,
			Config: overlayConfig(r.sim.PluginConfig(), over),
			Grant: config.Grant{
				HTTP:   []config.OriginGrant{{Origin: r.sim.BaseURL(), AllowPrivate: true, Auth: prof}},
				Limits: config.Limits{Timeout: config.Duration{Duration: 30 * time.Second}},
			},
		},
		Secrets: secrets, DataDir: r.dir, Engine: r.engine, Tracer: r.tracer, Gate: r.sandbox.Gate, Logs: r.logs,
	}.build(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range l.Mismatches {
		if m.Kind == policy.GrantNotRequested || m.Kind == policy.AuthNotAccepted {
			l.Close(context.Background())
			return nil, nil, fmt.Errorf("%s — the conformance kit grants the simulator's loopback origin %s; the manifest must request it (e.g. [[http]] origin = \"http://127.0.0.1:*\") and accept the %q auth profile", m.Message, r.sim.BaseURL(), prof.Profile)
		}
	}
	return a, l, nil
}

// overlayConfig lays over on a copy of base.
func overlayConfig(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func (r *run) record(c Check) {
	if r.prefix != "" && !strings.HasPrefix(c.Name, r.prefix) {
		c.Name = r.prefix + c.Name
	}
	r.report.Checks = append(r.report.Checks, c)
	if r.opts.OnCheck != nil {
		r.opts.OnCheck(c)
	}
}

func (r *run) finish() *Report {
	for _, c := range r.report.Checks {
		switch c.Status {
		case Pass:
			r.report.Passed++
		case Fail:
			r.report.Failed++
		default:
			r.report.Skipped++
		}
	}
	return r.report
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func joinOps(ops []abi.OpName) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// sandboxSwitch is the host's sandbox gate (package sandbox) as the checks
// use it: Load/Store switch it, Blocks classifies with abi's table.
type sandboxSwitch struct{ *sandbox.Gate }

// Load reports whether sandbox mode is on.
func (s sandboxSwitch) Load() bool { return s.Enabled() }

// Store switches sandbox mode.
func (s sandboxSwitch) Store(on bool) { s.Set(on) }

// call runs one operation through the host's sandbox gate (a write in
// sandbox mode never reaches the plugin) and records the output for the
// secrecy check. CMMS writes are also checked through the host's router.
func (r *run) call(l *pluginload.Loaded, op abi.OpName, req, resp any) error {
	if r.sandbox.Blocks(op) {
		r.sandbox.Block(op, "plugin", l.Name)
		return errSandboxed
	}
	return r.callDirect(l, op, req, resp)
}

var errSandboxed = errors.New("sandbox: write operation not sent to the plugin")

// callDirect calls the plugin without the kit's gate.
func (r *run) callDirect(l *pluginload.Loaded, op abi.OpName, req, resp any) error {
	ctx, cancel := context.WithTimeout(r.ctx, 60*time.Second)
	defer cancel()
	err := l.Plugin.CallOp(ctx, op, req, resp)
	if b, merr := json.Marshal(resp); merr == nil {
		r.outputs.Write(b)
	}
	if err != nil {
		r.outputs.Write([]byte(err.Error()))
	}
	return err
}

// check runs fn as a named check. fn returns what happened and whether it
// matches expected.
func (r *run) check(name, expected string, needs []abi.OpName, fn func() (string, bool)) {
	for _, op := range needs {
		if !r.desc.Has(op) {
			r.record(Check{Name: name, Status: Skip, Expected: expected, Got: "not run: the plugin does not declare " + string(op)})
			return
		}
	}
	start := time.Now()
	got, ok := fn()
	st := Pass
	if !ok {
		st = Fail
	}
	r.record(Check{Name: name, Status: st, Expected: expected, Got: got, DurationMS: ms(time.Since(start))})
}

func ops(o ...abi.OpName) []abi.OpName { return o }

// errText describes an error with its ABI code.
func errText(err error) string {
	if err == nil {
		return "no error"
	}
	var ae *abi.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("%s error: %s", ae.Code, ae.Message)
	}
	return "error: " + err.Error()
}

func codeOf(err error) abi.Code {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// secretVariants are the forms a secret could leak in.
func secretVariants(v string) []string {
	out := []string{v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v))}
	return out
}
