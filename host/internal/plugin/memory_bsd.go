//go:build darwin || freebsd

package plugin

const mapNoReserve = 0

// mappedFile is unused here: the image is copied.
type mappedFile interface {
	mapOver(mem []byte) error
	size() int
	close()
}

func newMappedFile([]byte) mappedFile { return nil }
