package plugin_test

import (
	"sync/atomic"
	"time"
)

// watchStalls measures how long this process's goroutines may wait to run
// — on a shared machine, or under -race, the operating system alone can
// hold a thread for tens of milliseconds. A goroutine sleeps 1 ms at a time
// and records its worst oversleep; stop ends it and returns that. Tests
// allow a stopped call this much beyond their fixed slack, so they measure
// the mechanism, not the machine.
func watchStalls() (stop func() time.Duration) {
	var worst atomic.Int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			now := time.Now()
			if late := now.Sub(last) - time.Millisecond; late > time.Duration(worst.Load()) {
				worst.Store(int64(late))
			}
			last = now
		}
	}()
	return func() time.Duration {
		close(done)
		<-finished
		return time.Duration(worst.Load())
	}
}
