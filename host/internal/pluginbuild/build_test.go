package pluginbuild_test

import (
	"context"
	"path/filepath"
	"testing"

	"os"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/manifest"
	"github.com/machina-go/machina/host/internal/pluginbuild"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/wasmfile"
)

// Building the same plugin twice must give byte-identical modules, so an
// operator can pin a sha256 and a rebuild from source can be checked.
func TestReproducibleBuild(t *testing.T) {
	dir := filepath.Join(testplugin.Root(), "pdk", "examples", "hello-cmms")
	ctx := context.Background()
	a, err := pluginbuild.Build(ctx, dir, filepath.Join(t.TempDir(), "a.wasm"), pluginbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pluginbuild.Build(ctx, dir, filepath.Join(t.TempDir(), "sub", "b.wasm"), pluginbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != b.SHA256 {
		t.Fatalf("two builds differ: %s vs %s", a.SHA256, b.SHA256)
	}
	wasm, err := os.ReadFile(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := manifest.FromModule(mod)
	if err != nil || m.Name != "hello-cmms" || abi.CheckCompatible(m.ABI) != nil {
		t.Fatalf("embedded manifest: %+v %v", m, err)
	}
}

func TestBuildRefusesBadManifest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plugin.toml"), []byte("name = \"x\"\nabi = \"9.0\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pluginbuild.Build(context.Background(), dir, filepath.Join(dir, "x.wasm"), pluginbuild.Options{}); err == nil {
		t.Fatal("want an error for an invalid manifest")
	}
}
