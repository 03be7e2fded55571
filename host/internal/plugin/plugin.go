package plugin

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/machina-go/machina/host/internal/manifest"
	"github.com/machina-go/machina/host/internal/opctx"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
	"github.com/tetratelabs/wazero"
)

// LoadOptions configures one plugin.
type LoadOptions struct {
	// SHA256 pins the module (hex). Empty skips the pin (development only).
	SHA256 string
	// Config is the operator's non-secret configuration passed to
	// machina_init on every instance.
	Config map[string]any
	// Host answers host-function calls (default: a DenyHost).
	Host   Host
	Limits Limits
	Logger hclog.Logger
	// Observer, when set, receives call timings and instance events.
	Observer Observer
}

// Observer receives what an operator's metrics count about a plugin:
// *metrics.Metrics implements it. Its methods must not block.
type Observer interface {
	// PluginCall is one call into an instance (any export) and its
	// duration, trapped or not.
	PluginCall(plugin, export string, d time.Duration)
	// PluginInstance is an instance event: "recycled" (call budget spent)
	// or "trap" (discarded after a trap).
	PluginInstance(plugin, event string)
}

// Instance events passed to Observer.PluginInstance.
const (
	EventRecycled = "recycled"
	EventTrap     = "trap"
)

// noObserver is the Observer used when none is given.
type noObserver struct{}

func (noObserver) PluginCall(string, string, time.Duration) {}
func (noObserver) PluginInstance(string, string)            {}

// Plugin is a loaded, verified plugin with a pool of instances. It is safe
// for concurrent use.
type Plugin struct {
	code       module
	convention Convention
	manifest   wire.Manifest
	descriptor wire.Descriptor
	sha        string
	imports    []ClassifiedImport
	exports    []string
	limits     Limits
	config     []byte
	logger     hclog.Logger
	observer   Observer

	pool    chan *instance
	slots   chan struct{} // one token per instance that may exist
	closed  atomic.Bool
	closeMu sync.RWMutex

	calls, traps, recycled atomic.Uint64
}

// Stats are counters for a plugin.
type Stats struct {
	Calls    uint64 `json:"calls"`
	Traps    uint64 `json:"traps"`
	Recycled uint64 `json:"recycled"`
}

type instance struct {
	b      backend
	calls  int
	stderr *boundedBuffer
	sleep  *interrupt.Sleeper // ends the guest's sleeps with its call
}

// module is a compiled plugin under one calling convention.
type module interface {
	// instantiate creates an instance whose stdout and stderr go to out.
	instantiate(ctx context.Context, mc wazero.ModuleConfig, out io.Writer) (backend, error)
	close(ctx context.Context) error
}

// backend is one instance under a calling convention.
type backend interface {
	// call runs an export and returns its result, or the error the plugin
	// reported, or (as the error) a trap: the instance is then unusable.
	call(ctx context.Context, export string, input []byte) ([]byte, *abi.Error, error)
	close(ctx context.Context) error
}

// Load verifies and compiles a module and creates its first instance.
func (e *Engine) Load(ctx context.Context, wasm []byte, opts LoadOptions) (*Plugin, error) {
	sum := sha256.Sum256(wasm)
	sha := hex.EncodeToString(sum[:])
	if opts.SHA256 != "" && !strings.EqualFold(opts.SHA256, sha) {
		return nil, fmt.Errorf("sha256 mismatch: module is %s, configuration pins %s", sha, strings.ToLower(opts.SHA256))
	}
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return nil, err
	}
	man, _, err := manifest.FromModule(mod)
	if err != nil {
		return nil, err
	}
	if err := CheckImports(mod.Imports); err != nil {
		return nil, fmt.Errorf("plugin %s: %w", man.Name, err)
	}
	limits := opts.Limits.withDefaults()
	logger := opts.Logger
	if logger == nil {
		logger = e.logger.Named("plugin").Named(man.Name)
	}
	host := opts.Host
	if host == nil {
		host = &DenyHost{Logger: logger}
	}
	cfg, err := json.Marshal(wire.InitRequest{Config: opts.Config})
	if err != nil {
		return nil, fmt.Errorf("plugin %s: encoding config: %w", man.Name, err)
	}
	conv, err := conventionOf(man, mod.Imports)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", man.Name, err)
	}
	// The module is checked above as the vendor built it; what runs is the
	// same module with interrupt checks added (see termination.go).
	code, rc, err := e.prepare(wasm, wazero.NewRuntimeConfig().
		WithCompilationCache(e.cache).
		WithMemoryLimitPages(limits.MemoryPages))
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", man.Name, err)
	}
	hook := e.termination == terminateInterrupt
	var compiled module
	if conv == ConventionDirect {
		compiled, err = compileDirect(ctx, rc, code, host, limits, hook)
	} else {
		compiled, err = compileExtism(ctx, rc, code, host, limits, hook, logger)
	}
	if err != nil {
		return nil, fmt.Errorf("plugin %s: compiling: %w", man.Name, err)
	}
	p := &Plugin{
		code:       compiled,
		convention: conv,
		manifest:   man,
		sha:        sha,
		imports:    ClassifyImports(mod.Imports),
		exports:    mod.ExportedFunctions(),
		limits:     limits,
		config:     cfg,
		logger:     logger,
		observer:   opts.Observer,
		pool:       make(chan *instance, limits.PoolSize),
		slots:      make(chan struct{}, limits.PoolSize),
	}
	if p.observer == nil {
		p.observer = noObserver{}
	}
	for range limits.PoolSize {
		p.slots <- struct{}{}
	}
	if err := p.describe(ctx); err != nil {
		compiled.close(ctx)
		return nil, fmt.Errorf("plugin %s: %w", man.Name, err)
	}
	return p, nil
}

// describe creates the first instance, reads and checks the descriptor.
func (p *Plugin) describe(ctx context.Context) error {
	<-p.slots
	inst, err := p.newInstance(ctx, false)
	if err != nil {
		p.slots <- struct{}{}
		return err
	}
	out, err := p.invoke(ctx, inst, wire.ExportDescribe, nil)
	if err != nil {
		p.discard(ctx, inst)
		return fmt.Errorf("describe: %w", err)
	}
	var d wire.Descriptor
	if err := json.Unmarshal(out, &d); err != nil {
		p.discard(ctx, inst)
		return fmt.Errorf("describe: bad descriptor: %w", err)
	}
	if err := d.Validate(); err != nil {
		p.discard(ctx, inst)
		return err
	}
	m := p.manifest
	if d.Name != m.Name || d.Version != m.Version || d.Kind != m.Kind {
		p.discard(ctx, inst)
		return fmt.Errorf("descriptor (%s %s, %s) does not match the embedded manifest (%s %s, %s)",
			d.Name, d.Version, d.Kind, m.Name, m.Version, m.Kind)
	}
	if err := CheckExports(d.Operations, p.exports); err != nil {
		p.discard(ctx, inst)
		return err
	}
	d.Capabilities = abi.CapabilitiesOf(d.Operations) // derived, never trusted
	p.descriptor = d
	out, err = p.initInstanceOut(ctx, inst)
	if err != nil {
		p.discard(ctx, inst)
		return err
	}
	// A configured plugin may serve fewer operations than it implements
	// (ABI 1.2): narrow, never widen, and derive the capabilities again.
	var ir wire.InitResponse
	if json.Unmarshal(out, &ir) == nil && len(ir.Operations) > 0 {
		d.Operations = ir.Narrow(d.Operations)
		d.Capabilities = abi.CapabilitiesOf(d.Operations)
		p.descriptor = d
		p.logger.Debug("operations narrowed by the plugin's configuration", "operations", fmt.Sprint(d.Operations))
	}
	p.pool <- inst
	return nil
}

func (p *Plugin) newInstance(ctx context.Context, initialise bool) (*instance, error) {
	stderr := &boundedBuffer{max: 16 << 10}
	sleep := &interrupt.Sleeper{}
	mc := wazero.NewModuleConfig().
		WithSysWalltime().WithSysNanotime().WithNanosleep(sleep.Nanosleep).
		WithRandSource(rand.Reader)
	// Instantiating may run the module's start-up (_initialize): it gets
	// the call timeout like any call.
	ictx, cancel := context.WithTimeout(ctx, p.limits.CallTimeout)
	unbind := sleep.Bind(ictx)
	b, err := p.code.instantiate(ictx, mc, stderr)
	unbind()
	if err != nil {
		err = fmt.Errorf("instantiating: %s", describeTrap(ictx, err, stderr.String(), p.limits))
	}
	cancel()
	if err != nil {
		return nil, err
	}
	inst := &instance{b: b, stderr: stderr, sleep: sleep}
	if initialise {
		if err := p.initInstance(ctx, inst); err != nil {
			b.close(ctx)
			return nil, err
		}
	}
	return inst, nil
}

func (p *Plugin) initInstance(ctx context.Context, inst *instance) error {
	_, err := p.initInstanceOut(ctx, inst)
	return err
}

func (p *Plugin) initInstanceOut(ctx context.Context, inst *instance) ([]byte, error) {
	out, err := p.invoke(ctx, inst, wire.ExportInit, p.config)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	return out, nil
}

// CheckExports verifies that a module exports exactly the operations its
// descriptor lists: an export named like an ABI operation that the
// descriptor does not list, or a listed operation that is not exported, is
// an error. `machina plugin audit` derives the operations from the exports
// alone; this check, at load, is what makes that exact.
func CheckExports(ops []abi.OpName, exports []string) error {
	listed := map[string]bool{}
	for _, op := range ops {
		listed[string(op)] = true
	}
	exported := map[string]bool{}
	var extra, missing []string
	for _, e := range exports {
		if _, ok := abi.LookupOperation(abi.OpName(e)); ok {
			exported[e] = true
			if !listed[e] {
				extra = append(extra, e)
			}
		}
	}
	for _, op := range ops {
		if !exported[string(op)] {
			missing = append(missing, string(op))
		}
	}
	if len(extra)+len(missing) == 0 {
		return nil
	}
	sort.Strings(extra)
	sort.Strings(missing)
	var parts []string
	if len(extra) > 0 {
		parts = append(parts, "exports "+strings.Join(extra, ", ")+" that machina_describe does not list")
	}
	if len(missing) > 0 {
		parts = append(parts, "machina_describe lists "+strings.Join(missing, ", ")+" that the module does not export")
	}
	return fmt.Errorf("the module %s: its exports must be exactly its operations (rebuild it with machina plugin build)", strings.Join(parts, "; "))
}

// ErrTrap wraps every failure that cost the plugin its instance: a panic,
// running out of memory, a timeout, an exit, or an oversized output.
var ErrTrap = errors.New("plugin instance failed")

// ErrClosed is returned by calls on a closed plugin.
var ErrClosed = errors.New("plugin is closed")

// errNotEnvelope is the trap of an Extism-convention export whose output
// is not an ABI envelope.
var errNotEnvelope = errors.New("output is not an ABI envelope")

// invoke calls one export on inst. A plugin-level error comes back as
// *abi.Error; anything else is a trap.
func (p *Plugin) invoke(ctx context.Context, inst *instance, export string, input []byte) ([]byte, error) {
	if len(input) > p.limits.MaxInputBytes {
		return nil, abi.InvalidArgument("request of %d bytes exceeds the %d byte input cap", len(input), p.limits.MaxInputBytes)
	}
	ctx, cancel := context.WithTimeout(ctx, p.limits.CallTimeout)
	defer cancel()
	// The host functions this call makes see which export runs: the HTTP
	// gate lets write requests through only during a write operation.
	ctx = opctx.With(ctx, export)
	defer inst.sleep.Bind(ctx)()
	inst.calls++
	out, perr, err := inst.b.call(ctx, export, input)
	switch {
	case errors.Is(err, errNotEnvelope):
		return nil, &trapError{reason: err.Error()}
	case err != nil:
		return nil, &trapError{reason: describeTrap(ctx, err, inst.stderr.String(), p.limits)}
	case len(out) > p.limits.MaxOutputBytes:
		return nil, &trapError{reason: fmt.Sprintf("output of %d bytes exceeds the %d byte cap", len(out), p.limits.MaxOutputBytes)}
	case perr != nil:
		return nil, perr
	}
	return out, nil
}

type trapError struct{ reason string }

func (e *trapError) Error() string { return ErrTrap.Error() + ": " + e.reason }
func (e *trapError) Unwrap() error { return ErrTrap }

var panicLine = regexp.MustCompile(`(?m)^(panic: .*|fatal error: .*|runtime: out of memory.*)$`)

// describeTrap turns an extism/wazero failure into a short, path-free reason.
func describeTrap(ctx context.Context, err error, stderr string, l Limits) string {
	if r := interruptedReason(err, l); r != "" {
		return r
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("call exceeded the %v timeout and was stopped", l.CallTimeout)
	case errors.Is(ctx.Err(), context.Canceled):
		return "call was cancelled"
	}
	msg := err.Error()
	if m := panicLine.FindString(stderr); m != "" {
		if strings.Contains(m, "out of memory") {
			return fmt.Sprintf("out of memory (cap %d MiB)", l.MemoryPages/16)
		}
		return strings.TrimSpace(m)
	}
	if strings.Contains(msg, "exit_code") {
		return "plugin exited"
	}
	if first, _, _ := strings.Cut(msg, "\n"); first != "" {
		return first
	}
	return "wasm trap"
}

// Call runs an export with a JSON input and returns its JSON result. Errors
// are *abi.Error for plugin-reported failures, and wrap ErrTrap when the
// instance failed (it is then discarded; the next call gets a fresh one).
func (p *Plugin) Call(ctx context.Context, export string, input []byte) ([]byte, error) {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	if p.closed.Load() {
		return nil, ErrClosed
	}
	inst, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	p.calls.Add(1)
	start := time.Now()
	out, err := p.invoke(ctx, inst, export, input)
	p.observer.PluginCall(p.manifest.Name, export, time.Since(start))
	if errors.Is(err, ErrTrap) {
		p.discard(context.WithoutCancel(ctx), inst)
		if errors.Is(ctx.Err(), context.Canceled) {
			// The caller gave up (a client cancelled, the host is stopping):
			// the instance goes, but the plugin did nothing wrong.
			p.logger.Debug("plugin instance discarded: the call was cancelled", "export", export)
			return nil, err
		}
		p.traps.Add(1)
		p.observer.PluginInstance(p.manifest.Name, EventTrap)
		p.logger.Warn("plugin instance discarded after a trap", "export", export, "reason", err.(*trapError).reason)
		return nil, err
	}
	if inst.calls >= p.limits.RecycleAfter {
		p.recycled.Add(1)
		p.observer.PluginInstance(p.manifest.Name, EventRecycled)
		p.discard(context.WithoutCancel(ctx), inst)
	} else {
		p.pool <- inst
	}
	return out, err
}

// CallOp is Call for an operation with typed request and response values.
func (p *Plugin) CallOp(ctx context.Context, op abi.OpName, req, resp any) error {
	if !p.descriptor.Has(op) {
		return abi.InvalidArgument("plugin %s does not implement %s", p.manifest.Name, op)
	}
	in, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encoding %s request: %w", op, err)
	}
	out, err := p.Call(ctx, string(op), in)
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(out, resp); err != nil {
		return abi.Internal("plugin %s returned a malformed %s response: %v", p.manifest.Name, op, err)
	}
	return nil
}

// acquire takes a pooled instance, or creates one when a slot is free.
func (p *Plugin) acquire(ctx context.Context) (*instance, error) {
	select {
	case inst := <-p.pool:
		return inst, nil
	default:
	}
	select {
	case inst := <-p.pool:
		return inst, nil
	case <-p.slots:
		inst, err := p.newInstance(ctx, true)
		if err != nil {
			p.slots <- struct{}{}
			return nil, fmt.Errorf("plugin %s: %w", p.manifest.Name, err)
		}
		return inst, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// discard closes an instance and frees its slot.
func (p *Plugin) discard(ctx context.Context, inst *instance) {
	inst.b.close(ctx)
	p.slots <- struct{}{}
}

// Warm creates instances until the pool is full, so the first calls after
// start do not pay instantiation (≈5 ms each).
func (p *Plugin) Warm(ctx context.Context) error {
	var made []*instance
	defer func() {
		for _, inst := range made {
			p.pool <- inst
		}
	}()
	for {
		select {
		case <-p.slots:
			inst, err := p.newInstance(ctx, true)
			if err != nil {
				p.slots <- struct{}{}
				return fmt.Errorf("plugin %s: %w", p.manifest.Name, err)
			}
			made = append(made, inst)
		default:
			return nil
		}
	}
}

// Close releases every instance and the compiled module.
func (p *Plugin) Close(ctx context.Context) error {
	if p.closed.Swap(true) {
		return nil
	}
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	for {
		select {
		case inst := <-p.pool:
			inst.b.close(ctx)
		default:
			return p.code.close(ctx)
		}
	}
}

// Manifest returns the embedded manifest.
func (p *Plugin) Manifest() wire.Manifest { return p.manifest }

// Descriptor returns the verified descriptor; Capabilities are derived from
// Operations by the host.
func (p *Plugin) Descriptor() wire.Descriptor { return p.descriptor }

// SHA256 returns the module's hex sha256.
func (p *Plugin) SHA256() string { return p.sha }

// Imports returns the module's classified imports.
func (p *Plugin) Imports() []ClassifiedImport { return p.imports }

// Exports returns the module's exported function names.
func (p *Plugin) Exports() []string { return p.exports }

// Stats returns the plugin's counters.
func (p *Plugin) Stats() Stats {
	return Stats{Calls: p.calls.Load(), Traps: p.traps.Load(), Recycled: p.recycled.Load()}
}

// boundedBuffer keeps the first max bytes written (a plugin's stderr, where
// the Go runtime writes panic messages).
type boundedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *boundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Convention returns the calling convention the module uses.
func (p *Plugin) Convention() Convention { return p.convention }
