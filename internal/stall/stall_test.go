package stall_test

import (
	"errors"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/stall"
)

func TestProbe(t *testing.T) {
	n := 0
	served, _, err := stall.Probe(time.Now().Add(time.Hour), 0, func() error {
		if n++; n == 4 {
			return errors.New("down")
		}
		return nil
	})
	if served != 3 || err == nil {
		t.Fatalf("served %d, err %v: want 3 answers then the error", served, err)
	}
	if stop := stall.Watch(); stop() < 0 {
		t.Fatal("negative stall")
	}
}
