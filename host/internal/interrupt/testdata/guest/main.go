// Command guest is a test-only wasip1 reactor with one export per shape of
// runaway code the interrupt check must stop, and two well-behaved exports
// for benchmarks and behaviour checks. Built by the package's tests with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared.
package main

import "time"

var sink int

// step is a call the compiler must keep.
//
//go:noinline
func step(x int) int { return x*31 + 7 }

// spin loops forever without calling anything.
//
//go:wasmexport spin
func spin() {
	x := sink
	for {
		x = x*31 + 7
		if x == 42 {
			sink = x
		}
	}
}

// spinCalls loops forever calling a function.
//
//go:wasmexport spin_calls
func spinCalls() {
	for {
		sink = step(sink)
	}
}

// exp recurses exponentially: 2^n calls, no loop.
//
//go:noinline
func exp(n int) int {
	if n == 0 {
		return 1
	}
	return exp(n-1) + exp(n-1)
}

//go:wasmexport exp
func expExport() int32 { return int32(exp(62)) }

// deep recurses 20 000 frames deep, then recurses exponentially.
//
//go:noinline
func deep(n int) int {
	if n == 0 {
		return exp(62)
	}
	return deep(n-1) + 1
}

//go:wasmexport deep
func deepExport() int32 { return int32(deep(20_000)) }

// work is a deterministic CPU-bound loop with calls (FNV-1a over a
// generated stream), returning its hash.
//
//go:wasmexport work
func work(n int32) int64 {
	h := uint64(14695981039346656037)
	for i := int32(0); i < n; i++ {
		h ^= uint64(step(int(i)) & 0xff)
		h *= 1099511628211
	}
	return int64(h)
}

// noop returns immediately (per-call overhead).
//
//go:wasmexport noop
func noop() int32 { return 0 }

func main() {}

// count is a tight loop without calls, returning a value that depends on
// every iteration.
//
//go:wasmexport count
func count(n int32) int64 {
	x := int64(0)
	for i := int32(0); i < n; i++ {
		x = x*31 + int64(i)
	}
	return x
}

// sleep sleeps for an hour (WASI poll_oneoff with a clock subscription).
//
//go:wasmexport sleep
func sleep() { time.Sleep(time.Hour) }
