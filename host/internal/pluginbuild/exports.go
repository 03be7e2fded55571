package pluginbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// ExportsFile is the name of the generated export shims in a plugin's
// folder. The build supplies it through -overlay (a copy on disk, e.g. from
// an older build, is replaced, never used).
const ExportsFile = "machina_exports.go"

// pdkPath is the PDK's import path.
const pdkPath = "github.com/machina-go/machina/pdk"

// Exports is what the build derives from a plugin's package main.
type Exports struct {
	// Type is the registered type ("*main.maximo"); empty when the module
	// does not use the PDK (it then defines its own exports).
	Type string `json:"type,omitempty"`
	// Kind follows from the registration function.
	Kind abi.Kind `json:"kind,omitempty"`
	// Operations are the operations the registered type implements, in the
	// order of the ABI table: exactly what the module will export.
	Operations []abi.OpName `json:"operations"`
	// Source is the generated ExportsFile.
	Source []byte `json:"-"`
}

// listedPackage is the part of `go list -json` the analysis needs.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	ImportMap  map[string]string
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// DeriveExports type-checks dir's package main (and, without function
// bodies, its dependencies) for GOOS=wasip1 GOARCH=wasm, finds the
// pdk.RegisterCMMS or pdk.RegisterMessaging call and the static type of
// the registered value, and returns the operations of the PDK interfaces
// that type implements, with the export shims to compile in. It runs only
// the go command (go list); it never executes plugin code.
func DeriveExports(ctx context.Context, dir string, opts Options) (Exports, error) {
	opts = opts.withDefaults()
	pkgs, err := goList(ctx, dir, opts)
	if err != nil {
		return Exports{}, err
	}
	main := pkgs[len(pkgs)-1]
	if !slices.ContainsFunc(pkgs, func(p listedPackage) bool { return p.ImportPath == pdkPath }) {
		return Exports{}, nil // not a PDK plugin: it exports what it defines
	}
	fset := token.NewFileSet()
	checked := map[string]*types.Package{"unsafe": types.Unsafe}
	var mainInfo *types.Info
	var mainFiles []*ast.File
	for i, lp := range pkgs {
		if lp.ImportPath == "unsafe" {
			continue // built into go/types
		}
		isMain := i == len(pkgs)-1
		files, err := parseFiles(fset, lp, isMain)
		if err != nil {
			return Exports{}, err
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
		var firstErr error
		conf := types.Config{
			Importer:         importerFunc(func(path string) (*types.Package, error) { return lookup(checked, lp, path) }),
			Sizes:            types.SizesFor("gc", "wasm"),
			IgnoreFuncBodies: !isMain,
			FakeImportC:      true,
			Error: func(err error) {
				if firstErr == nil {
					firstErr = err
				}
			},
		}
		p, _ := conf.Check(lp.ImportPath, fset, files, info)
		if firstErr != nil {
			return Exports{}, fmt.Errorf("type-checking %s for wasip1: %w", lp.ImportPath, firstErr)
		}
		checked[lp.ImportPath] = p
		if isMain {
			mainInfo, mainFiles = info, files
		}
	}
	if main.Name != "main" {
		return Exports{}, fmt.Errorf("%s is package %s: a plugin is a package main", dir, main.Name)
	}
	return exportsOf(checked[pdkPath], checked[main.ImportPath], mainInfo, mainFiles, fset)
}

// goList lists dir's package and its dependencies, dependencies first.
func goList(ctx context.Context, dir string, opts Options) ([]listedPackage, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Go, "list", "-e", "-deps",
		"-json=ImportPath,Name,Dir,GoFiles,ImportMap,Error,DepsErrors", ".")
	cmd.Dir = dir
	cmd.Env = buildEnv()
	cmd.Stdout, cmd.Stderr = &stdout, io.MultiWriter(opts.Log, &stderr)
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list %s: %w\n%s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list %s: %w", dir, err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("go list %s: %s", dir, p.Error.Err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("go list %s: no package", dir)
	}
	if m := pkgs[len(pkgs)-1]; len(m.DepsErrors) > 0 {
		return nil, fmt.Errorf("go list %s: %s", dir, m.DepsErrors[0].Err)
	}
	return pkgs, nil
}

func parseFiles(fset *token.FileSet, lp listedPackage, isMain bool) ([]*ast.File, error) {
	files := make([]*ast.File, 0, len(lp.GoFiles))
	for _, name := range lp.GoFiles {
		if isMain && name == ExportsFile {
			continue // regenerated below; a stale copy must not count
		}
		f, err := parser.ParseFile(fset, filepath.Join(lp.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

func lookup(checked map[string]*types.Package, from listedPackage, path string) (*types.Package, error) {
	if p, ok := from.ImportMap[path]; ok {
		path = p
	}
	if p, ok := checked[path]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("package %s was not listed before %s", path, from.ImportPath)
}

// exportsOf finds the registration in package main and derives the
// operations from the PDK interfaces the registered type implements.
func exportsOf(pdkPkg, mainPkg *types.Package, info *types.Info, files []*ast.File, fset *token.FileSet) (Exports, error) {
	var calls []*ast.CallExpr
	var kinds []abi.Kind
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id := calleeIdent(call.Fun)
			fn, _ := info.Uses[id].(*types.Func)
			if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != pdkPath {
				return true
			}
			switch fn.Name() {
			case "RegisterCMMS":
				calls, kinds = append(calls, call), append(kinds, abi.KindCMMS)
			case "RegisterMessaging":
				calls, kinds = append(calls, call), append(kinds, abi.KindMessaging)
			}
			return true
		})
	}
	switch len(calls) {
	case 0:
		return Exports{}, errors.New("package main imports the PDK but never calls pdk.RegisterCMMS or pdk.RegisterMessaging: register the plugin from init in package main, so the build can derive its exports")
	case 1:
	default:
		return Exports{}, fmt.Errorf("package main registers a plugin %d times (%s and %s); register exactly once", len(calls), fset.Position(calls[0].Pos()), fset.Position(calls[1].Pos()))
	}
	if len(calls[0].Args) != 2 {
		return Exports{}, fmt.Errorf("%s: unexpected registration call", fset.Position(calls[0].Pos()))
	}
	if pdkPkg.Scope().Lookup("Export") == nil {
		return Exports{}, errors.New("the plugin's PDK has no pdk.Export, which the generated exports call: require a version of github.com/machina-go/machina that has it")
	}
	t := info.TypeOf(calls[0].Args[1])
	if t == nil || types.IsInterface(t) {
		return Exports{}, fmt.Errorf("%s: register a value of a concrete type (got %v): the build derives the exports from the methods of its type", fset.Position(calls[0].Args[1].Pos()), t)
	}
	ex := Exports{Type: types.TypeString(t, types.RelativeTo(mainPkg)), Kind: kinds[0]}
	ops := map[abi.OpName]bool{}
	for _, oi := range pdk.OperationInterfaces() {
		if oi.Kind != ex.Kind {
			continue
		}
		obj := pdkPkg.Scope().Lookup(oi.Interface)
		if obj == nil {
			continue // an older PDK without this interface
		}
		iface, ok := obj.Type().Underlying().(*types.Interface)
		if ok && types.Implements(t, iface) {
			for _, op := range oi.Operations {
				ops[op] = true
			}
		}
	}
	for _, op := range abi.Operations() {
		if ops[op.Name] {
			ex.Operations = append(ex.Operations, op.Name)
		}
	}
	ex.Source = shims(ex)
	return ex, nil
}

func calleeIdent(e ast.Expr) *ast.Ident {
	switch f := e.(type) {
	case *ast.Ident:
		return f
	case *ast.SelectorExpr:
		return f.Sel
	case *ast.IndexExpr: // an instantiated generic function
		return calleeIdent(f.X)
	}
	return nil
}

// shims renders ExportsFile: one //go:wasmexport per operation, each a
// one-line call of pdk.Export.
func shims(ex Exports) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by machina plugin build from the PDK interfaces %s implements. DO NOT EDIT.\n\n", ex.Type)
	b.WriteString("//go:build wasip1\n\npackage main\n\nimport machinapdk \"" + pdkPath + "\"\n")
	for _, op := range ex.Operations {
		fmt.Fprintf(&b, "\n//go:wasmexport %s\nfunc machinaExport_%s() int32 { return machinapdk.Export(%q) }\n", op, op, string(op))
	}
	return []byte(b.String())
}
