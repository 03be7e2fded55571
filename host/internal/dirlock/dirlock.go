package dirlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the lock file created inside a locked directory.
const FileName = ".machina.lock"

// Holder describes the process that holds a directory.
type Holder struct {
	// PID is the holder's process id.
	PID int `json:"pid"`
	// Command is the holder's command line (program base name and
	// arguments, cut at 200 characters; machina refuses secrets on the
	// command line, so it holds none).
	Command string `json:"command"`
	// Purpose says what the directory is held for ("trace writer", "demo").
	Purpose string `json:"purpose"`
	// Since is when the lock was taken.
	Since time.Time `json:"since"`
}

// String describes the holder for an error message.
func (h Holder) String() string {
	var parts []string
	if h.PID > 0 {
		parts = append(parts, fmt.Sprintf("pid %d", h.PID))
	}
	if h.Command != "" {
		parts = append(parts, fmt.Sprintf("%q", h.Command))
	}
	if !h.Since.IsZero() {
		parts = append(parts, "since "+h.Since.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return "an unknown process"
	}
	return strings.Join(parts, ", ")
}

// HeldError is returned by Acquire when another owner holds the directory.
type HeldError struct {
	// Dir is the directory.
	Dir string
	// Holder is the recorded holder (zero when the record is unreadable).
	Holder Holder
}

// Error implements error.
func (e *HeldError) Error() string {
	what := "in use"
	if e.Holder.Purpose != "" {
		what = "held as " + e.Holder.Purpose
	}
	return fmt.Sprintf("%s is %s by another process (%s)", e.Dir, what, e.Holder)
}

// ErrHeld matches every *HeldError with errors.Is.
var ErrHeld = errors.New("directory held by another process")

// Is reports whether target is ErrHeld.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Lock is a held directory. Release it when done; the operating system
// releases it when the process exits.
type Lock struct {
	dir string
	f   *os.File
}

// Dir returns the locked directory.
func (l *Lock) Dir() string { return l.dir }

// Acquire locks dir (which must exist) for purpose, or returns a
// *HeldError naming the holder when another owner — in this process or
// another — holds it.
func Acquire(dir, purpose string) (*Lock, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if held {
		h, _ := readHolder(path)
		f.Close()
		return nil, &HeldError{Dir: dir, Holder: h}
	}
	rec, _ := json.Marshal(Holder{PID: os.Getpid(), Command: command(), Purpose: purpose, Since: time.Now().UTC()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(rec, '\n'), 0)
	}
	return &Lock{dir: dir, f: f}, nil
}

// Release gives the directory up. It is safe to call more than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	// The record stays: truncating it here would race with the next
	// owner writing its own. Unlocking happens on close.
	return unlock(f)
}

// Probe reports whether another owner holds dir, and who. It creates
// nothing: a directory without a lock file is free.
func Probe(dir string) (Holder, bool, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, err
	}
	defer f.Close()
	held, err := probeLock(f)
	if err != nil || !held {
		return Holder{}, false, err
	}
	h, _ := readHolder(path)
	return h, true, nil
}

func readHolder(path string) (Holder, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Holder{}, err
	}
	var h Holder
	err = json.Unmarshal(b, &h)
	return h, err
}

// command is this process's command line for the holder record.
func command() string {
	if len(os.Args) == 0 {
		return ""
	}
	s := strings.Join(append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
