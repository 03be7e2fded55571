package plugin

import (
	"context"
	"fmt"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
)

// compile is extism.NewCompiledPlugin with a panic inside the compiler
// turned into an error. wazero v1.12.0's validator panics, instead of
// returning an error, on some invalid modules (a function whose type index
// is out of range, called from code); a module must not be able to crash
// the host by being loaded. (With the interrupt rewrite such a module is
// refused before it reaches the compiler; this is the second line.)
func compile(ctx context.Context, m extism.Manifest, c extism.PluginConfig, funcs []extism.HostFunction) (cp *extism.CompiledPlugin, err error) {
	defer func() {
		if r := recover(); r != nil {
			cp, err = nil, fmt.Errorf("the WebAssembly compiler failed on the module: %v", r)
		}
	}()
	return extism.NewCompiledPlugin(ctx, m, c, funcs)
}

// compileModule is rt.CompileModule with the same protection, for the
// direct convention.
func compileModule(ctx context.Context, rt wazero.Runtime, code []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("the WebAssembly compiler failed on the module: %v", r)
		}
	}()
	return rt.CompileModule(ctx, code)
}
