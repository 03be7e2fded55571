// Package progress carries a progress reporter in a context, so the code
// doing long work deep below a request (a plugin paging through records
// over HTTP, the document store searching) can tell the surface that
// serves the request (MCP progress notifications) without knowing it.
//
// It holds no state of its own and must not block: a reporter that cannot
// deliver drops the step.
package progress

import "context"

// Reporter receives one step of progress, described for a human.
type Reporter func(message string)

type key struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r Reporter) context.Context {
	return context.WithValue(ctx, key{}, r)
}

// Report tells ctx's reporter about one step; without a reporter it does
// nothing.
func Report(ctx context.Context, message string) {
	if r, ok := ctx.Value(key{}).(Reporter); ok && r != nil {
		r(message)
	}
}
