package sensor

import (
	"context"
	"errors"
)

// SecretSource resolves a named secret (a broker or server password). The
// secrets registry implements it; connectors fetch the value at each
// connect, hand it only to the protocol stack, and never store it.
type SecretSource interface {
	Secret(ctx context.Context, name string) (string, error)
}

// SecretFunc adapts a function to SecretSource, e.g. a secrets registry:
//
//	sensor.SecretFunc(func(ctx context.Context, name string) (string, error) {
//		v, err := reg.Get(ctx, name)
//		return v.Reveal(), err
//	})
type SecretFunc func(ctx context.Context, name string) (string, error)

// Secret calls f.
func (f SecretFunc) Secret(ctx context.Context, name string) (string, error) { return f(ctx, name) }

// SecretErr reduces a secret source error to its class: a source may quote
// more than it should, so only cancellation and deadlines pass through.
func SecretErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errors.New("secret source error")
}
