//go:build linux || darwin || freebsd

package plugin

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// mmapMemory backs a linear memory with one anonymous mapping of its
// maximum size. Growing is free (no copy: wazero's default appends to a Go
// slice, copying the whole memory on every memory.grow), fresh pages are
// zero without a clear, and only touched pages use RAM. Closing the
// instance unmaps it.
type mmapMemory struct{ buf []byte }

// memoryAllocator returns the allocator for instance memories, or nil to
// use wazero's default.
func memoryAllocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		if max == 0 || max > 1<<32 {
			return &sliceMemory{}
		}
		b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
		if err != nil {
			return &sliceMemory{}
		}
		return &mmapMemory{buf: b}
	})
}

// Reallocate implements experimental.LinearMemory.
func (m *mmapMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size]
}

// Free implements experimental.LinearMemory.
func (m *mmapMemory) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}

// sliceMemory is the fallback when a mapping cannot be made: a Go slice,
// grown like wazero's default.
type sliceMemory struct{ buf []byte }

// Reallocate implements experimental.LinearMemory.
func (m *sliceMemory) Reallocate(size uint64) []byte {
	if n := int(size) - len(m.buf); n > 0 {
		m.buf = append(m.buf, make([]byte, n)...)
	}
	return m.buf[:size]
}

// Free implements experimental.LinearMemory.
func (m *sliceMemory) Free() { m.buf = nil }
