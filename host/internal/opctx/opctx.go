// Package opctx carries, in a context, host-side facts about the plugin
// call running:
//
//   - the plugin export the host is running: the plugin runtime sets it on
//     every call into a plugin, and the HTTP gate reads it in the host
//     functions that call makes, to let a write request through only while
//     a write operation runs. Only the plugin runtime may set it (just
//     before it enters the guest), so the value always names the export
//     actually executing; it must not be set from anything a client or a
//     plugin controls.
//   - a record of the host's own refusals (WithRefusals): the router
//     attaches one to each plugin call, the policy gate notes in it each
//     request of the plugin it refused as unauthorized, and the router reads
//     it to tell the host's refusal from an upstream that refused the
//     credentials. A plugin's error is untrusted and cannot make this
//     distinction; only the host writes the record.
package opctx

import (
	"context"
	"sync/atomic"

	"github.com/machina-go/machina/internal/wire"
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
func Writing(ctx context.Context) bool { return wire.WriteExport(Export(ctx)) }

type refusalsKey struct{}

// Refusals records whether the host refused, as unauthorized, a request a
// plugin made (HTTP, mail) during one call. It is safe for concurrent use.
type Refusals struct {
	n atomic.Int64
}

// WithRefusals returns ctx carrying a fresh record of refusals, and the
// record.
func WithRefusals(ctx context.Context) (context.Context, *Refusals) {
	r := &Refusals{}
	return context.WithValue(ctx, refusalsKey{}, r), r
}

// NoteRefusal records in ctx's record (if any) that the host refused a
// request of the plugin as unauthorized.
func NoteRefusal(ctx context.Context) {
	if r, ok := ctx.Value(refusalsKey{}).(*Refusals); ok {
		r.n.Add(1)
	}
}

// Refused reports whether the host refused any request of the plugin
// during the call.
func (r *Refusals) Refused() bool { return r != nil && r.n.Load() > 0 }
