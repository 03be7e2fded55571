package interrupt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// rewriteVersion names the rewrite's output format in cache keys; bump it
// whenever Instrument's output changes for the same input.
const rewriteVersion = "v1"

// Cache keeps instrumented modules on disk so a restart does not redo the
// rewrite, and so the bytes handed to wazero — whose own compilation cache
// is keyed by them — stay identical across restarts. The zero value (and a
// Cache with an empty directory) does no caching.
//
// A cache directory is trusted like wazero's compilation cache: whoever can
// write it chooses the code that runs. Each entry carries the sha256 of its
// content, so a torn or corrupted file is detected and rebuilt, not used.
type Cache struct {
	dir  string
	opts Options
}

// NewCache returns a Cache storing entries in dir (created with mode 0700
// if missing). An empty dir disables caching.
func NewCache(dir string, opts Options) (*Cache, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("interrupt cache: %w", err)
		}
	}
	return &Cache{dir: dir, opts: opts}, nil
}

// Instrument returns Instrument(wasm, opts), from the cache when present.
// A failure to read or write the cache is not an error: the module is
// instrumented afresh.
func (c *Cache) Instrument(wasm []byte) ([]byte, error) {
	if c == nil || c.dir == "" {
		var opts Options
		if c != nil {
			opts = c.opts
		}
		return Instrument(wasm, opts)
	}
	sum := sha256.Sum256(wasm)
	path := filepath.Join(c.dir, hex.EncodeToString(sum[:])+"-"+rewriteVersion+"-"+strconv.FormatUint(uint64(c.opts.interval()), 10)+".wasm")
	if b, err := os.ReadFile(path); err == nil && len(b) > sha256.Size {
		if got := sha256.Sum256(b[sha256.Size:]); bytes.Equal(got[:], b[:sha256.Size]) {
			return b[sha256.Size:], nil
		}
	}
	out, err := Instrument(wasm, c.opts)
	if err != nil {
		return nil, err
	}
	c.store(path, out)
	return out, nil
}

// store writes an entry atomically (temporary file, then rename).
func (c *Cache) store(path string, out []byte) {
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return
	}
	sum := sha256.Sum256(out)
	_, err = f.Write(sum[:])
	if err == nil {
		_, err = f.Write(out)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
}
