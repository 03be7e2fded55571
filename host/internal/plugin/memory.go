package plugin

import "github.com/tetratelabs/wazero/experimental"

// memImage is a module's initial memory (its data segments laid out, see
// wasmfile.SplitData), installed into every new instance's memory by
// the allocator instead of by wazero segment by segment.
type memImage struct {
	data []byte
	file mappedFile // the same bytes in an unlinked file, for copy-on-write mapping (nil: copy)
}

func newMemImage(data []byte) *memImage {
	if len(data) == 0 {
		return nil
	}
	return &memImage{data: data, file: newMappedFile(data)}
}

// span is the length of memory the image covers: the mapped file's
// page-aligned size, or the data's length when it is copied.
func (m *memImage) span() uint64 {
	switch {
	case m == nil:
		return 0
	case m.file != nil:
		return uint64(m.file.size())
	}
	return uint64(len(m.data))
}

func (m *memImage) close() {
	if m != nil && m.file != nil {
		m.file.close()
	}
}

// sliceMemory is the portable linear memory: a Go slice grown by
// appending, as wazero's default, starting from the image.
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

// sliceAllocator allocates sliceMemory holding the image.
func sliceAllocator(img *memImage) experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(capBytes, _ uint64) experimental.LinearMemory {
		m := &sliceMemory{buf: make([]byte, 0, max(capBytes, uint64(len(imageData(img)))))}
		m.buf = append(m.buf, imageData(img)...)
		return m
	})
}

func imageData(img *memImage) []byte {
	if img == nil {
		return nil
	}
	return img.data
}
