package dirlock

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/helperproc"
)

// TestHelperHolder is not a test: run by TestSecondProcessIsRefused as a
// separate process, it holds the directory named by DIRLOCK_HELPER_DIR,
// prints "held", and keeps the lock until its standard input closes.
func TestHelperHolder(t *testing.T) {
	dir := helperproc.Arg(t, "DIRLOCK_HELPER_DIR")
	l, err := Acquire(dir, "helper")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	os.Stdout.WriteString("held\n")
	<-helperproc.Stopped()
}

func TestSecondProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	helper := helperproc.Start(t, "TestHelperHolder", "DIRLOCK_HELPER_DIR="+dir, "held")

	_, err := Acquire(dir, "test")
	var held *HeldError
	if !errors.As(err, &held) || !errors.Is(err, ErrHeld) {
		t.Fatalf("Acquire while another process holds the directory: %v", err)
	}
	if held.Holder.PID != helper.PID() || held.Holder.Purpose != "helper" {
		t.Errorf("holder = %+v, want pid %d", held.Holder, helper.PID())
	}
	if !strings.Contains(err.Error(), "pid "+strconv.Itoa(helper.PID())) || !strings.Contains(err.Error(), dir) {
		t.Errorf("error does not name the directory and holder: %v", err)
	}
	if h, ok, err := Probe(dir); err != nil || !ok || h.PID != helper.PID() {
		t.Errorf("Probe = %+v %v %v", h, ok, err)
	}

	if err := helper.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := Probe(dir); err != nil || ok {
		t.Errorf("Probe after the holder exited = %v %v", ok, err)
	}
	l, err := Acquire(dir, "test")
	if err != nil {
		t.Fatalf("Acquire after the holder exited: %v", err)
	}
	defer l.Release()
	if h, _ := readHolder(l.f.Name()); h.PID != os.Getpid() || h.Purpose != "test" {
		t.Errorf("record = %+v", h)
	}
}

func TestSameProcessTwiceIsRefused(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, "first")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(dir, "second"); !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatal("second Release:", err)
	}
	l2, err := Acquire(dir, "third")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

func TestProbeCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := Probe(dir); ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := os.Stat(dir + "/" + FileName); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Probe created the lock file: %v", err)
	}
}
