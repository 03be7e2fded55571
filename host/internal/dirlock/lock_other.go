//go:build !unix

package dirlock

import "os"

// Platforms without flock get no cross-process exclusion: Acquire always
// succeeds. Machina's supported platforms (Linux, macOS, BSD) are unix.
func tryLock(*os.File) (bool, error)   { return false, nil }
func probeLock(*os.File) (bool, error) { return false, nil }
func unlock(f *os.File) error          { return f.Close() }
