package pluginbuild_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/pluginbuild"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/wasmfile"
)

// tempPlugin writes a plugin module (files by name) in a Go workspace that
// uses this repository, and returns its folder.
func tempPlugin(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "p")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files["go.mod"] = "module example.com/p\n\ngo 1.26.0\n"
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	work := fmt.Sprintf("go 1.26.0\n\nuse (\n\t%s\n\t./p\n)\n", testplugin.Root())
	if err := os.WriteFile(filepath.Join(root, "go.work"), []byte(work), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const pluginHead = `package main

import (
	"context"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

func main() {}

type p struct{}

func (*p) Init(context.Context, pdk.Config) error                  { return nil }
func (*p) Health(context.Context) (abi.HealthResponse, error)      { return abi.HealthResponse{}, nil }
func (*p) GetWorkOrder(context.Context, abi.GetWorkOrderRequest) (abi.WorkOrderResponse, error) {
	return abi.WorkOrderResponse{}, nil
}
`

const manifestText = "name = \"p\"\nversion = \"0.0.1\"\nabi = \"1.0\"\nkind = \"cmms\"\n"

// The operations come from the interfaces the registered type implements
// (pdk/interfaces.go: WorkOrderGetter serves get_work_order; health is
// mandatory), whatever the method set holds besides.
func TestDeriveExportsFromRegisteredType(t *testing.T) {
	dir := tempPlugin(t, map[string]string{
		"main.go":     pluginHead + "\nfunc init() { pdk.RegisterCMMS(pdk.Info{Name: \"p\", Version: \"0.0.1\"}, &p{}) }\n",
		"plugin.toml": manifestText,
		// A half AssetReader (no GetAsset) serves nothing.
		"half.go": "package main\n\nimport (\n\t\"context\"\n\n\t\"github.com/machina-go/machina/abi\"\n)\n\n" +
			"func (*p) ListAssets(context.Context, abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {\n\treturn abi.ListAssetsResponse{}, nil\n}\n",
		// A stale generated file must be ignored and replaced.
		pluginbuild.ExportsFile: "//go:build wasip1\n\npackage main\n\nthis is not Go\n",
	})
	ex, err := pluginbuild.DeriveExports(context.Background(), dir, pluginbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Type != "*p" || ex.Kind != abi.KindCMMS || !reflect.DeepEqual(ex.Operations, []abi.OpName{abi.OpHealth, abi.OpGetWorkOrder}) {
		t.Fatalf("exports = %+v", ex)
	}
	res, err := pluginbuild.Build(context.Background(), dir, filepath.Join(t.TempDir(), "p.wasm"), pluginbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wasm, _ := os.ReadFile(res.Path)
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		t.Fatal(err)
	}
	got := mod.ExportedFunctions()
	slices.Sort(got)
	if want := []string{"_initialize", "get_work_order", "health", "machina_describe", "machina_init"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("exports = %v, want %v", got, want)
	}
}

func TestDeriveExportsRefusals(t *testing.T) {
	for name, c := range map[string]struct{ main, want string }{
		"interface value": {pluginHead + "\nvar impl pdk.CMMS = &p{}\n\nfunc init() { pdk.RegisterCMMS(pdk.Info{Name: \"p\", Version: \"0.0.1\"}, impl) }\n",
			"concrete type"},
		"no registration": {pluginHead + "\nvar _ = pdk.Logf\n", "never calls pdk.RegisterCMMS"},
		"twice": {pluginHead + "\nfunc init() { pdk.RegisterCMMS(pdk.Info{}, &p{}) }\nfunc init() { pdk.RegisterCMMS(pdk.Info{}, &p{}) }\n",
			"registers a plugin 2 times"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := tempPlugin(t, map[string]string{"main.go": c.main, "plugin.toml": manifestText})
			_, err := pluginbuild.DeriveExports(context.Background(), dir, pluginbuild.Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
