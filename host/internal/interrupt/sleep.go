package interrupt

import (
	"context"
	"sync/atomic"
	"time"
)

// Sleeper is a guest's clock sleep (WASI poll_oneoff on a clock, which
// wazero implements with ModuleConfig.WithNanosleep) that ends early when
// the call it belongs to is stopped. wazero's own sleep ignores the call's
// context, so without it a guest asleep for an hour holds its call for an
// hour whatever the deadline. Woken early, the guest's runtime finds its
// timer not yet due and polls again, which now returns at once: it spins,
// and the interrupt check stops the call.
//
// Use one Sleeper per instance: pass its Nanosleep to WithNanosleep and
// Bind the context of every call made on the instance.
type Sleeper struct {
	done atomic.Pointer[<-chan struct{}]
}

// Bind makes sleeps end when ctx is done, until the returned function is
// called. Calls on one instance do not overlap, so neither do bindings.
func (s *Sleeper) Bind(ctx context.Context) (unbind func()) {
	done := ctx.Done()
	s.done.Store(&done)
	return func() { s.done.Store(nil) }
}

// Nanosleep sleeps ns nanoseconds, or until the bound call's context is
// done. It has the signature of wazero's sys.Nanosleep.
func (s *Sleeper) Nanosleep(ns int64) {
	var done <-chan struct{}
	if p := s.done.Load(); p != nil {
		done = *p
	}
	t := time.NewTimer(time.Duration(ns))
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}
