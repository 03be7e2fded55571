//go:build !linux && !darwin && !freebsd

package plugin

import "github.com/tetratelabs/wazero/experimental"

// mappedFile is unused here: the image is copied.
type mappedFile interface {
	mapOver(mem []byte) error
	size() int
	close()
}

func newMappedFile([]byte) mappedFile { return nil }

// memoryPool is the portable allocator: Go slices, no reuse.
type memoryPool struct{ img *memImage }

func newMemoryPool(img *memImage, _ int) *memoryPool { return &memoryPool{img: img} }

func (p *memoryPool) allocator() experimental.MemoryAllocator { return sliceAllocator(p.img) }

func (p *memoryPool) close() { p.img.close() }
