// Package pluginbuild compiles a plugin folder into one .wasm artifact with
// the standard Go toolchain (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared) and
// embeds the folder's plugin.toml as the "machina.manifest" custom section.
//
// For a plugin written with the PDK it first derives, by type-checking
// package main (DeriveExports), the operations the registered type
// implements, and compiles in one generated export shim per operation
// (ExportsFile, supplied with -overlay): the module exports exactly the
// operations its descriptor lists, so an audit knows them without running
// anything, and the loader refuses a module where the two differ.
//
// Builds are reproducible: -trimpath, no build id, no VCS stamping, so the
// same source gives the same sha256. It only runs the Go toolchain; it never
// executes the plugin.
package pluginbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/machina-go/machina/host/internal/manifest"
	"github.com/machina-go/machina/host/internal/wasmfile"
	"github.com/machina-go/machina/internal/wire"
)

// Options tunes a build.
type Options struct {
	// Go is the go command (default "go").
	Go string
	// Log receives the toolchain's output (default io.Discard).
	Log io.Writer
	// SkipManifestCheck embeds plugin.toml without validating it; only tests
	// that build deliberately broken plugins use it.
	SkipManifestCheck bool
}

func (o Options) withDefaults() Options {
	if o.Go == "" {
		o.Go = "go"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// Result describes a built artifact.
type Result struct {
	Path     string
	SHA256   string
	Size     int
	Manifest wire.Manifest
	// Exports is what the build derived (empty Type for a module that does
	// not use the PDK).
	Exports Exports
}

// Build compiles dir (a package main with plugin.toml) into out.
func Build(ctx context.Context, dir, out string, opts Options) (Result, error) {
	opts = opts.withDefaults()
	text, err := os.ReadFile(filepath.Join(dir, "plugin.toml"))
	if err != nil {
		return Result{}, fmt.Errorf("reading manifest: %w", err)
	}
	var m wire.Manifest
	if !opts.SkipManifestCheck {
		if m, err = manifest.Parse(text); err != nil {
			return Result{}, err
		}
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(filepath.Dir(absOut), 0o755); err != nil {
		return Result{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(absOut), ".build-*.wasm")
	if err != nil {
		return Result{}, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())

	ex, err := DeriveExports(ctx, dir, opts)
	if err != nil {
		return Result{}, err
	}
	if ex.Type != "" && !opts.SkipManifestCheck && ex.Kind != m.Kind {
		return Result{}, fmt.Errorf("%s registers a %s plugin (%s) but plugin.toml says kind = %q", dir, ex.Kind, ex.Type, m.Kind)
	}
	args := []string{"build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", tmp.Name()}
	if ex.Type != "" {
		overlay, cleanup, err := writeOverlay(dir, ex.Source)
		if err != nil {
			return Result{}, err
		}
		defer cleanup()
		args = append(args, "-overlay="+overlay)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Go, append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = buildEnv()
	cmd.Stdout = opts.Log
	cmd.Stderr = io.MultiWriter(opts.Log, &stderr)
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("go build %s: %w\n%s", dir, err, strings.TrimSpace(stderr.String()))
	}
	wasm, err := os.ReadFile(tmp.Name())
	if err != nil {
		return Result{}, err
	}
	wasm, err = wasmfile.AppendCustomSection(wasm, wire.ManifestSection, text)
	if err != nil {
		return Result{}, err
	}
	if err := os.WriteFile(tmp.Name(), wasm, 0o644); err != nil {
		return Result{}, err
	}
	if err := os.Rename(tmp.Name(), absOut); err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(wasm)
	return Result{Path: absOut, SHA256: hex.EncodeToString(sum[:]), Size: len(wasm), Manifest: m, Exports: ex}, nil
}

// writeOverlay writes the generated shims and a go build -overlay file that
// places them at dir/ExportsFile.
func writeOverlay(dir string, src []byte) (string, func(), error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "machina-exports-*")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	gen := filepath.Join(tmp, ExportsFile)
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(absDir, ExportsFile): gen}})
	overlay := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(gen, src, 0o644); err != nil {
		cleanup()
		return "", nil, err
	}
	if err := os.WriteFile(overlay, ov, 0o644); err != nil {
		cleanup()
		return "", nil, err
	}
	return overlay, cleanup, nil
}

// buildEnv is the environment of the go command: the wasip1 target, no cgo,
// and none of the caller's variables that would change the target or flags.
func buildEnv() []string {
	return append(filterEnv(os.Environ()), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
}

// filterEnv drops variables that would change the build target or leak
// host-specific flags into a reproducible build.
func filterEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS":
			continue
		}
		out = append(out, kv)
	}
	return out
}
