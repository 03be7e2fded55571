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

// Interleave runs base and subject alternately, b.N times each, and
// reports each one's wall time and CPU time per call and the ratios
// subject ÷ base ("ratio" by wall time, "cpu-ratio" by CPU time). Measured
// call by call in one loop, the two see the same machine: load from other
// processes inflates both alike, so the ratio holds where separate runs
// would not.
func Interleave(b *testing.B, base, subject func()) {
	b.Helper()
	var wall, cpu [2]time.Duration
	fns := [2]func(){base, subject}
	for b.Loop() {
		for i, f := range fns {
			c0, w0 := Now(), time.Now()
			f()
			wall[i] += time.Since(w0)
			cpu[i] += Now() - c0
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(wall[0].Nanoseconds())/n, "base-ns/op")
	b.ReportMetric(float64(wall[1].Nanoseconds())/n, "subject-ns/op")
	b.ReportMetric(float64(cpu[0].Nanoseconds())/n, "base-cpu-ns/op")
	b.ReportMetric(float64(cpu[1].Nanoseconds())/n, "subject-cpu-ns/op")
	if wall[0] > 0 {
		b.ReportMetric(float64(wall[1])/float64(wall[0]), "ratio")
	}
	if cpu[0] > 0 {
		b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "cpu-ratio")
	}
}
