// Package stall measures, for tests, whether a process stays responsive
// while guests spin: Watch records how long goroutines wait to be
// scheduled, Probe serves requests at an interval and records how many
// were answered and the slowest.
//
// It owns no production behaviour and must not be imported outside tests.
package stall

import (
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Watch measures how long this process's goroutines may wait to run — on
// a shared machine, or under -race, the operating system alone can hold a
// thread for tens of milliseconds. A goroutine sleeps 1 ms at a time and
// records its worst oversleep; stop ends it and returns that. Tests allow
// a stopped call this much beyond their fixed slack, so they measure the
// mechanism, not the machine.
func Watch() (stop func() time.Duration) {
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

// Probe calls call until the deadline, pausing every between calls, and
// returns how many calls were answered and the slowest; it stops at the
// first error.
func Probe(until time.Time, every time.Duration, call func() error) (served int, worst time.Duration, err error) {
	for time.Now().Before(until) {
		start := time.Now()
		if err := call(); err != nil {
			return served, worst, err
		}
		served++
		worst = max(worst, time.Since(start))
		time.Sleep(every)
	}
	return served, worst, nil
}

// Get is a Probe call that fetches url and discards the answer.
func Get(url string) func() error {
	return func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
}
