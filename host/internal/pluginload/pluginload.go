package pluginload

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/audit"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/wire"
)

// maxModuleBytes caps the size of a module file read by the loader.
const maxModuleBytes = 64 << 20

// the policy host is what the runtime calls.
var _ plugin.Host = (*policy.Host)(nil)

// Deps are the shared services the loader wires into every plugin.
type Deps struct {
	// Engine compiles and runs modules (required).
	Engine *plugin.Engine
	// Secrets resolves secret names. Nil builds a registry from the
	// config's [secrets] table with Getenv.
	Secrets *secrets.Registry
	// Scrubber removes secret values from plugin responses and logs.
	// Default: Secrets.Scrubber().
	Scrubber *secrets.Scrubber
	// Getenv is used when Secrets is nil (default os.Getenv).
	Getenv func(string) string
	// Logger is the host logger; each plugin logs under
	// Logger.Named("plugin").Named(name). Default: null logger.
	Logger hclog.Logger
	// Tracer, when set, records one "plugin_http" entry per outbound plugin
	// HTTP request (see TraceObserver).
	Tracer *trace.Tracer
	// Observer, when set, also receives one event per outbound plugin HTTP
	// request.
	Observer policy.HTTPObserver
	// PluginObserver, when set, receives every plugin's call timings and
	// instance events (operator metrics).
	PluginObserver plugin.Observer
	// Mailer implements mail for plugins granted mail; nil refuses mail.
	Mailer policy.Mailer
	// Sandbox reports whether sandbox mode is on; nil uses cfg.Sandbox.
	Sandbox func() bool
	// TLSConfig is cloned for plugin HTTPS (e.g. extra roots); nil means
	// system roots.
	TLSConfig *tls.Config
	// MapOrigin, when set, rewrites each origin pattern the manifest of
	// plugin requests before the policy is resolved. The conformance kit
	// uses it to point a plugin written for one public service (a
	// messaging plugin requests https://api.telegram.org) at the kit's
	// loopback simulator; the grant must still match the rewritten
	// request. The audit report keeps the manifest as written.
	MapOrigin func(plugin, pattern string) string
}

// Loaded is one plugin that passed every check and runs under its policy.
type Loaded struct {
	// Name is the plugin's (manifest and configuration) name.
	Name string
	// Config is the operator's [[plugin]] entry.
	Config config.Plugin
	// Plugin is the running module.
	Plugin *plugin.Plugin
	// Host is its policy host.
	Host *policy.Host
	// Policy is the effective policy (request ∩ grant).
	Policy policy.Policy
	// Mismatches lists grants ignored and requests unavailable.
	Mismatches []policy.Mismatch
	// Report is the static audit the loader accepted (no high findings).
	Report *audit.Report
}

// Close stops the plugin and releases its policy host.
func (l *Loaded) Close(ctx context.Context) error {
	err := l.Plugin.Close(ctx)
	return errors.Join(err, l.Host.Close())
}

// Failure is a plugin that could not be loaded.
type Failure struct {
	Name string
	Path string
	Err  error
}

// Error implements error.
func (f Failure) Error() string { return fmt.Sprintf("plugin %s (%s): %v", f.Name, f.Path, f.Err) }

// Unwrap returns the cause.
func (f Failure) Unwrap() error { return f.Err }

// LoadAll loads every enabled [[plugin]] of cfg. It is best-effort: each
// failure is recorded and logged, and the other plugins still load.
// Plugins load concurrently, at most GOMAXPROCS at a time (a load is CPU
// work: hashing, decoding and validating the module, reading its machine
// code from the compilation cache); the results keep the configuration's
// order.
func LoadAll(ctx context.Context, cfg *config.Config, deps Deps) ([]*Loaded, []Failure) {
	deps, err := deps.withDefaults(cfg)
	if err != nil {
		var fs []Failure
		for _, p := range cfg.Plugins {
			if !p.Disabled {
				fs = append(fs, Failure{Name: p.Name, Path: p.Path, Err: err})
			}
		}
		return nil, fs
	}
	type result struct {
		l   *Loaded
		err error
	}
	results := make([]result, len(cfg.Plugins))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range cfg.Plugins {
		if p.Disabled {
			deps.Logger.Info("plugin disabled in the configuration", "plugin", p.Name)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			l, err := load(ctx, cfg, p, deps)
			results[i] = result{l, err}
		}()
	}
	wg.Wait()
	var loaded []*Loaded
	var failed []Failure
	for i, p := range cfg.Plugins {
		switch r := results[i]; {
		case p.Disabled:
		case r.err != nil:
			deps.Logger.Error("plugin not loaded", "plugin", p.Name, "path", p.Path, "error", r.err)
			failed = append(failed, Failure{Name: p.Name, Path: p.Path, Err: r.err})
		default:
			loaded = append(loaded, r.l)
		}
	}
	return loaded, failed
}

// Load loads one [[plugin]] entry of cfg.
func Load(ctx context.Context, cfg *config.Config, p config.Plugin, deps Deps) (*Loaded, error) {
	deps, err := deps.withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	return load(ctx, cfg, p, deps)
}

func (d Deps) withDefaults(cfg *config.Config) (Deps, error) {
	if d.Engine == nil {
		return d, errors.New("pluginload: no plugin engine")
	}
	if d.Logger == nil {
		d.Logger = hclog.NewNullLogger()
	}
	if d.Secrets == nil {
		reg, err := secrets.NewRegistry(cfg.Secrets, secrets.Options{Getenv: d.Getenv, Logger: d.Logger.Named("secrets"), Scrubber: d.Scrubber})
		if err != nil {
			return d, fmt.Errorf("pluginload: secrets: %w", err)
		}
		d.Secrets = reg
	}
	if d.Scrubber == nil {
		d.Scrubber = d.Secrets.Scrubber()
	}
	if d.Sandbox == nil {
		on := cfg.Sandbox
		d.Sandbox = func() bool { return on }
	}
	return d, nil
}

func load(ctx context.Context, cfg *config.Config, p config.Plugin, deps Deps) (*Loaded, error) {
	wasm, err := readModule(p.Path)
	if err != nil {
		return nil, err
	}
	rep, err := audit.Audit(wasm, audit.Options{File: p.Path, Plugin: &p})
	if err != nil {
		return nil, err
	}
	if high := rep.High(); len(high) > 0 {
		msgs := make([]string, len(high))
		for i, f := range high {
			msgs[i] = f.Message
		}
		return nil, fmt.Errorf("refused: %s", strings.Join(msgs, "; "))
	}
	pol, mism := policy.Resolve(requested(rep.Manifest, p.Name, deps.MapOrigin), p.Grant)
	logger := deps.Logger.Named("plugin").Named(p.Name)
	for _, m := range mism {
		if reason, ok := m.Expected(pol); ok {
			logger.Info("capability mismatch", "kind", string(m.Kind), "detail", m.Message, "reason", reason)
			continue
		}
		logger.Warn("capability mismatch", "kind", string(m.Kind), "detail", m.Message)
	}
	host, err := policy.New(policy.Options{
		Policy:    pol,
		Secrets:   deps.Secrets,
		Scrubber:  deps.Scrubber,
		Logger:    logger,
		KVDir:     filepath.Join(cfg.DataDir, "kv"),
		Sandbox:   deps.Sandbox,
		Observer:  observerFor(deps, p.Name, rep.SHA256),
		Mailer:    deps.Mailer,
		TLSConfig: deps.TLSConfig,
	})
	if err != nil {
		return nil, err
	}
	pl, err := deps.Engine.Load(ctx, wasm, plugin.LoadOptions{
		SHA256:   p.SHA256,
		Config:   p.Config,
		Host:     host,
		Limits:   limitsOf(p.Grant.Limits),
		Logger:   logger,
		Observer: deps.PluginObserver,
	})
	if err != nil {
		host.Close()
		return nil, err
	}
	// The runtime checked at load that the exports are exactly what
	// machina_describe lists, so the audit's static operations are the
	// plugin's.
	return &Loaded{Name: p.Name, Config: p, Plugin: pl, Host: host, Policy: pol, Mismatches: mism, Report: rep}, nil
}

// requested is what the manifest requests, its origins rewritten by
// mapOrigin (the manifest itself is left as written).
func requested(m wire.Manifest, plugin string, mapOrigin func(plugin, pattern string) string) wire.Manifest {
	if mapOrigin == nil {
		return m
	}
	m.HTTP = append([]wire.OriginRequest(nil), m.HTTP...)
	for i := range m.HTTP {
		m.HTTP[i].Pattern = mapOrigin(plugin, m.HTTP[i].Pattern)
	}
	return m
}

// observerFor combines the tracer and the caller's observer for one plugin.
func observerFor(deps Deps, name, sha string) policy.HTTPObserver {
	if deps.Tracer == nil {
		return deps.Observer
	}
	return TraceObserver{Tracer: deps.Tracer, Plugin: name, SHA256: sha, Next: deps.Observer}
}

func readModule(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Sized from the file, so a module is read into one buffer (io.ReadAll
	// would grow and copy it a dozen times); the limit still holds if the
	// file grows meanwhile.
	size := int64(512)
	if fi, err := f.Stat(); err == nil && fi.Size() <= maxModuleBytes {
		size += fi.Size()
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if _, err := buf.ReadFrom(io.LimitReader(f, maxModuleBytes+1)); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if len(b) > maxModuleBytes {
		return nil, fmt.Errorf("module is larger than %d MiB", maxModuleBytes>>20)
	}
	return b, nil
}

// limitsOf maps the grant's limits to runtime limits (zero means the
// runtime's default).
func limitsOf(l config.Limits) plugin.Limits {
	out := plugin.Limits{CallTimeout: l.Timeout.Duration, PoolSize: l.Instances}
	if l.MemoryMiB > 0 {
		out.MemoryPages = uint32(l.MemoryMiB) * 16
	}
	return out
}
