//go:build unix

package dirlock

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock on f without waiting; held is true when
// another open file description holds it. flock locks belong to the open
// file, so a second Acquire in the same process is refused too.
func tryLock(f *os.File) (held bool, err error) {
	return flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
}

// probeLock is tryLock with a shared lock, released at once.
func probeLock(f *os.File) (held bool, err error) {
	held, err = flock(f, syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil && !held {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return held, err
}

func flock(f *os.File, how int) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return true, nil
		default:
			return false, err
		}
	}
}

func unlock(f *os.File) error {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return f.Close()
}
