package plugin

import (
	"os"
	"syscall"
	"unsafe"
)

const mapNoReserve = syscall.MAP_NORESERVE

// mappedFile is an unlinked temporary file holding a memory image, mapped
// copy-on-write into each instance's memory.
type mappedFile interface {
	mapOver(mem []byte) error
	size() int
	close()
}

type imageFile struct {
	f *os.File
	n int // page-aligned length of the file
}

func newMappedFile(data []byte) mappedFile {
	f, err := os.CreateTemp("", "machina-memimage-*")
	if err != nil {
		return nil
	}
	os.Remove(f.Name())
	page := os.Getpagesize()
	size := (len(data) + page - 1) / page * page
	if _, err := f.Write(data); err != nil || f.Truncate(int64(size)) != nil {
		f.Close()
		return nil
	}
	return &imageFile{f: f, n: size}
}

// mapOver maps the image at the start of mem (MAP_FIXED over part of the
// anonymous mapping mem is, so unmapping mem later removes it too).
func (i *imageFile) mapOver(mem []byte) error {
	if len(mem) < i.n {
		return syscall.EINVAL
	}
	_, _, e := syscall.Syscall6(syscall.SYS_MMAP, uintptr(unsafe.Pointer(unsafe.SliceData(mem))), uintptr(i.n),
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_FIXED, i.f.Fd(), 0)
	if e != 0 {
		return e
	}
	return nil
}

func (i *imageFile) size() int { return i.n }

func (i *imageFile) close() { i.f.Close() }
