// Package benchcpu measures the CPU time a benchmark consumes, the figure
// that other load on a shared machine does not distort (wall-clock ns/op
// grows with every competing process; CPU time per operation does not).
//
// Test support only: it reads the process's resource usage and holds no
// state.
package benchcpu

import (
	"testing"
	"time"
)

// Now returns the process's user+system CPU time so far (all threads, the
// garbage collector and in-process servers included), or 0 where the
// system does not tell.
func Now() time.Duration { return now() }

// Report reports the CPU time per operation since start as "cpu-ns/op".
func Report(b *testing.B, start time.Duration) {
	b.Helper()
	if b.N > 0 && start > 0 {
		b.ReportMetric(float64((Now()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
