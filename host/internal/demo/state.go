package demo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/machina-go/machina/host/internal/dirlock"
)

// MaxSlots bounds the slots a demo tries under Options.StateRoot.
const MaxSlots = 32

// lockPurpose is how a demo records itself in its state's lock file.
const lockPurpose = "demo state"

// claimState locks o.StateDir, or the first free slot under o.StateRoot,
// and makes it the demo's state directory (0700).
func (e *Env) claimState(o Options) error {
	if o.StateDir != "" {
		return e.lockState(o.StateDir)
	}
	if o.StateRoot == "" {
		return errors.New("demo: no state directory (set StateDir or StateRoot)")
	}
	slot := o.Slot
	if slot == "" {
		slot = "demo"
	}
	for i := 1; i <= MaxSlots; i++ {
		name := slot
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		err := e.lockState(filepath.Join(o.StateRoot, name))
		if !errors.Is(err, dirlock.ErrHeld) {
			return err
		}
	}
	return fmt.Errorf("demo: all %d state slots %s/%s… are held by running demos", MaxSlots, o.StateRoot, slot)
}

func (e *Env) lockState(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return err
	}
	lock, err := dirlock.Acquire(abs, lockPurpose)
	if err != nil {
		if errors.Is(err, dirlock.ErrHeld) {
			return fmt.Errorf("demo: state directory %w; every demo needs its own", err)
		}
		return err
	}
	e.StateDir = abs
	e.closers = append(e.closers, func() { _ = lock.Release() })
	return nil
}

// linkCompileCache points the state's compilation cache at a shared
// directory, so a demo in a new slot does not compile the plugins again.
func (e *Env) linkCompileCache(shared string) error {
	if shared == "" {
		return nil
	}
	if err := os.MkdirAll(shared, 0o700); err != nil {
		return fmt.Errorf("demo: compile cache: %w", err)
	}
	link := filepath.Join(e.StateDir, "data", "cache", "wazero")
	if target, err := os.Readlink(link); err == nil && target == shared {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		return err
	}
	_ = os.RemoveAll(link) // a private cache from an earlier run
	if err := os.Symlink(shared, link); err != nil {
		return fmt.Errorf("demo: compile cache: %w", err)
	}
	return nil
}
