package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	extism "github.com/extism/go-sdk"
	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
	"github.com/tetratelabs/wazero"
)

// extismModule runs plugins of the Extism convention (ABI 1.0, and any
// module built with an Extism PDK) with Extism's go-sdk: input and output
// in the Extism kernel's memory, host functions taking and returning
// kernel memory offsets, JSON envelopes.
type extismModule struct {
	compiled *extism.CompiledPlugin
	logger   hclog.Logger
}

func compileExtism(ctx context.Context, rc wazero.RuntimeConfig, code []byte, h Host, limits Limits, hook bool, logger hclog.Logger) (*extismModule, error) {
	fns := hostFunctions(h, limits.MaxInputBytes)
	if hook {
		fns = append(fns, interruptFunction())
	}
	compiled, err := compile(ctx, extism.Manifest{
		Wasm:   []extism.Wasm{extism.WasmData{Data: code, Name: "main"}},
		Memory: &extism.ManifestMemory{MaxPages: limits.MemoryPages, MaxHttpResponseBytes: 0, MaxVarBytes: 0},
	}, extism.PluginConfig{RuntimeConfig: rc, EnableWasi: true}, fns)
	if err != nil {
		return nil, err
	}
	return &extismModule{compiled: compiled, logger: logger}, nil
}

func (m *extismModule) close(ctx context.Context) error { return m.compiled.Close(ctx) }

func (m *extismModule) instantiate(ctx context.Context, mc wazero.ModuleConfig, out io.Writer) (backend, error) {
	ep, err := m.compiled.Instance(ctx, extism.PluginInstanceConfig{ModuleConfig: mc.WithStdout(out).WithStderr(out)})
	if err != nil {
		return nil, err
	}
	ep.SetLogger(func(level extism.LogLevel, msg string) {
		m.logger.Debug("extism", "level", level.String(), "message", msg)
	})
	return &extismInstance{p: ep}, nil
}

type extismInstance struct{ p *extism.Plugin }

func (e *extismInstance) close(ctx context.Context) error { return e.p.Close(ctx) }

// call runs an export and unwraps its envelope; output that is not an
// envelope is a trap.
func (e *extismInstance) call(ctx context.Context, export string, input []byte) ([]byte, *abi.Error, error) {
	_, out, err := e.p.CallWithContext(ctx, export, input)
	if err != nil {
		return nil, nil, err
	}
	// Fast path: a successful envelope is {"result":…} as the PDK writes it.
	if bytes.HasPrefix(out, []byte(resultPrefix)) && bytes.HasSuffix(out, []byte("}")) {
		res := out[len(resultPrefix) : len(out)-1]
		if json.Valid(res) {
			return res, nil, nil
		}
	}
	var env wire.Envelope
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, nil, errNotEnvelope
	}
	if env.Error != nil {
		return nil, abi.AsError(env.Error), nil
	}
	return env.Result, nil, nil
}

// resultPrefix opens a successful output envelope.
const resultPrefix = `{"result":`
