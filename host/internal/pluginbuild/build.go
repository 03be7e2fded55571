// Package pluginbuild compiles a plugin folder into one .wasm artifact with
// the standard Go toolchain (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared) and
// embeds the folder's plugin.toml as the "machina.manifest" custom section.
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

// Result describes a built artifact.
type Result struct {
	Path     string
	SHA256   string
	Size     int
	Manifest wire.Manifest
}

// Build compiles dir (a package main with plugin.toml) into out.
func Build(ctx context.Context, dir, out string, opts Options) (Result, error) {
	if opts.Go == "" {
		opts.Go = "go"
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
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

	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Go, "build",
		"-buildmode=c-shared", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid=", "-o", tmp.Name(), ".")
	cmd.Dir = dir
	cmd.Env = append(filterEnv(os.Environ()), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
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
	return Result{Path: absOut, SHA256: hex.EncodeToString(sum[:]), Size: len(wasm), Manifest: m}, nil
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
