//go:build linux || darwin || freebsd

package plugin

import (
	"sync"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// memoryPool allocates the linear memories of one module's instances.
//
// Each memory is one anonymous mapping of the memory's maximum size:
// growing is free (wazero's default appends to a Go slice, copying the
// whole memory on every memory.grow) and only touched pages use RAM. The
// module's initial image is mapped copy-on-write over its start where the
// system allows (pages an instance only reads are shared by all
// instances), copied otherwise.
//
// A closed instance's mapping is kept for the next instance (up to
// maxFree of them): its used part is cleared and the image mapped afresh,
// which costs a fraction of what faulting in fresh pages does — on a
// virtual machine each first touch of a page is a trap into the
// hypervisor, and a Go guest touches a few hundred while starting.
type memoryPool struct {
	img     *memImage
	maxFree int

	mu     sync.Mutex
	free   []*mmapMemory
	closed bool
}

func newMemoryPool(img *memImage, maxFree int) *memoryPool {
	return &memoryPool{img: img, maxFree: maxFree}
}

// mmapMemory is one instance's linear memory.
type mmapMemory struct {
	buf  []byte
	used uint64 // the largest length handed out
	pool *memoryPool
}

// allocator returns the allocator to instantiate with.
func (p *memoryPool) allocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(capBytes, maxBytes uint64) experimental.LinearMemory {
		if maxBytes == 0 || maxBytes > 1<<32 || maxBytes < uint64(len(imageData(p.img))) {
			return sliceAllocator(p.img).Allocate(capBytes, maxBytes)
		}
		if m := p.reuse(maxBytes); m != nil {
			return m
		}
		b, err := syscall.Mmap(-1, 0, int(maxBytes), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
		if err != nil {
			return sliceAllocator(p.img).Allocate(capBytes, maxBytes)
		}
		p.installImage(b)
		return &mmapMemory{buf: b, pool: p}
	})
}

// installImage puts the initial image at the start of b, whose bytes past
// the image are zero.
func (p *memoryPool) installImage(b []byte) {
	img := p.img
	if img == nil {
		return
	}
	if img.file == nil || img.file.mapOver(b) != nil {
		copy(b, img.data)
		clear(b[len(img.data):img.span()])
	}
}

// reuse returns a kept mapping of that size, reset to the initial image.
func (p *memoryPool) reuse(size uint64) *mmapMemory {
	p.mu.Lock()
	var m *mmapMemory
	for i, f := range p.free {
		if uint64(len(f.buf)) == size {
			m = f
			p.free = append(p.free[:i], p.free[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	if m == nil {
		return nil
	}
	// The image's pages are replaced by installImage (clearing them would
	// first copy each still-shared page); the rest of the used part is
	// cleared in place.
	if span := p.img.span(); m.used > span {
		clear(m.buf[span:m.used])
	}
	m.used = 0
	p.installImage(m.buf)
	return m
}

// release keeps m for reuse, or unmaps it.
func (p *memoryPool) release(m *mmapMemory) {
	p.mu.Lock()
	if !p.closed && len(p.free) < p.maxFree {
		p.free = append(p.free, m)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	_ = syscall.Munmap(m.buf)
}

// close unmaps the kept mappings; memories released later are unmapped.
func (p *memoryPool) close() {
	p.mu.Lock()
	free := p.free
	p.free, p.closed = nil, true
	p.mu.Unlock()
	for _, m := range free {
		_ = syscall.Munmap(m.buf)
	}
	p.img.close()
}

// Reallocate implements experimental.LinearMemory.
func (m *mmapMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	m.used = max(m.used, size)
	return m.buf[:size]
}

// Free implements experimental.LinearMemory: the mapping goes back to the
// pool.
func (m *mmapMemory) Free() {
	if m.buf != nil {
		m.pool.release(m)
	}
}
