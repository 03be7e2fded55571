// Package guest is the code the test-only CMMS plugins under
// host/internal/*/testdata share: the do-nothing Init, Health and
// ListAssets a test plugin embeds, and the misbehaviours (spinning,
// exhausting memory, oversized responses) and host-call reports several of
// them offer. It is compiled into those plugins' wasm modules.
//
// Test support only: it holds the package-level memory sink the plugins
// fill on purpose, and must not be imported by production code.
package guest

import (
	"context"
	"strconv"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// Connector is the part of a test CMMS connector no test looks at: Init
// accepts any configuration, Health reports healthy and ListAssets lists
// nothing. A plugin embeds it and adds the operations under test.
type Connector struct{}

// Init accepts any configuration.
func (Connector) Init(context.Context, pdk.Config) error { return nil }

// Health reports healthy.
func (Connector) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}

// ListAssets lists no assets.
func (Connector) ListAssets(context.Context, abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	return abi.ListAssetsResponse{}, nil
}

// sink keeps what ExhaustMemory allocates reachable.
var sink [][]byte

// Spin loops forever without calling anything, so only an interrupt the
// host compiles into loops can stop it.
func Spin() {
	for i := 0; ; i++ {
		if i < 0 {
			break
		}
	}
}

// ExhaustMemory allocates 1 MiB blocks, kept reachable, until the memory
// cap stops the plugin.
func ExhaustMemory() {
	for {
		sink = append(sink, make([]byte, 1<<20))
	}
}

// Keep makes b reachable until the plugin ends.
func Keep(b []byte) { sink = append(sink, b) }

// Big returns a string of mib MiB (mib given in decimal).
func Big(mib string) string {
	n, _ := strconv.Atoi(mib)
	return strings.Repeat("x", n<<20)
}

// HTTPMeta sends req through the host and reports what came back (status,
// body, headers and any error) as asset metadata.
func HTTPMeta(ctx context.Context, req abi.HTTPRequest) map[string]any {
	resp, err := pdk.HTTP(ctx, req)
	m := map[string]any{"status": resp.Status, "body": string(resp.Body), "headers": resp.Headers}
	if err != nil {
		m["error"] = err.Error()
	}
	return m
}
