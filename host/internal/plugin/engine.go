package plugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/interrupt"
	"github.com/tetratelabs/wazero"
)

// Limits bound what one plugin may consume.
type Limits struct {
	// MemoryPages caps linear memory in 64 KiB pages (default 512 = 32 MiB;
	// Go plugins need at least 64).
	MemoryPages uint32
	// CallTimeout stops any single call (default 10 s).
	CallTimeout time.Duration
	// MaxInputBytes caps the request passed to an export (default 1 MiB;
	// extism silently drops input that does not fit in memory, so the host
	// refuses it first).
	MaxInputBytes int
	// MaxOutputBytes caps an export's output (default 4 MiB).
	MaxOutputBytes int
	// PoolSize is the number of pooled instances (default GOMAXPROCS).
	PoolSize int
	// RecycleAfter replaces an instance after this many calls (default 5000).
	RecycleAfter int
}

func (l Limits) withDefaults() Limits {
	if l.MemoryPages == 0 {
		l.MemoryPages = 512
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = 10 * time.Second
	}
	if l.MaxInputBytes <= 0 {
		l.MaxInputBytes = 1 << 20
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = 4 << 20
	}
	if l.PoolSize <= 0 {
		l.PoolSize = runtime.GOMAXPROCS(0)
	}
	if l.RecycleAfter <= 0 {
		l.RecycleAfter = 5000
	}
	return l
}

// EngineOptions configures an Engine.
type EngineOptions struct {
	// CacheDir holds compiled machine code across restarts. It must be owned
	// by the host and not writable by others: a poisoned cache is native code
	// execution. Empty means an in-memory cache for the process only.
	CacheDir string
	Logger   hclog.Logger
}

// Engine compiles and loads plugins. One Engine per process shares the
// compilation cache between every plugin it loads.
type Engine struct {
	cache       wazero.CompilationCache
	rewrites    *interrupt.Cache // modules instrumented for interruption
	termination termination
	logger      hclog.Logger
}

// NewEngine creates an Engine.
func NewEngine(opts EngineOptions) (*Engine, error) {
	e := &Engine{logger: opts.Logger}
	if e.logger == nil {
		e.logger = hclog.NewNullLogger()
	}
	if opts.CacheDir == "" {
		e.cache = wazero.NewCompilationCache()
		e.rewrites = &interrupt.Cache{}
		return e, nil
	}
	if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("compilation cache: %w", err)
	}
	fi, err := os.Stat(opts.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache: %w", err)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("compilation cache %s is writable by group or others (mode %v): refusing, a poisoned cache executes native code", opts.CacheDir, fi.Mode().Perm())
	}
	c, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache: %w", err)
	}
	e.cache = c
	// Instrumented modules live beside the machine code compiled from them.
	if e.rewrites, err = interrupt.NewCache(filepath.Join(opts.CacheDir, "interrupt"), interrupt.Options{}); err != nil {
		return nil, fmt.Errorf("compilation cache: %w", err)
	}
	return e, nil
}

// Close releases the compilation cache.
func (e *Engine) Close(ctx context.Context) error { return e.cache.Close(ctx) }
