// Package opctx carries, in a context, the plugin export the host is
// running: the plugin runtime sets it on every call into a plugin, and the
// HTTP gate reads it in the host functions that call makes, to let a write
// request through only while a write operation runs.
//
// Only the plugin runtime may set it (just before it enters the guest), so
// the value always names the export actually executing; it must not be set
// from anything a client or a plugin controls.
package opctx

import (
	"context"

	"github.com/machina-go/machina/abi"
)

type key struct{}

// With returns ctx carrying the export (an operation name, or
// machina_init / machina_describe) the host is about to run.
func With(ctx context.Context, export string) context.Context {
	return context.WithValue(ctx, key{}, export)
}

// Export returns the export carried by ctx ("" when none).
func Export(ctx context.Context) string {
	s, _ := ctx.Value(key{}).(string)
	return s
}

// Writing reports whether ctx carries a write operation of the fixed ABI
// table. Anything else — a read operation, machina_init, no export at all —
// is not a write.
func Writing(ctx context.Context) bool {
	op, ok := abi.LookupOperation(abi.OpName(Export(ctx)))
	return ok && op.Class == abi.ClassWrite
}
