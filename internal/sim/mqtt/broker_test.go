package mqtt

import (
	"context"
	"errors"
	"os"
	"testing"
)

func TestStartRestartStop(t *testing.T) {
	ctx := context.Background()
	b, err := Start(ctx, Options{Dir: t.TempDir(), TLS: true, Users: map[string]string{"u": "p"}})
	if errors.Is(err, ErrNoMosquitto) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Stop()
	if err := b.Restart(ctx); err != nil {
		t.Fatal(err)
	}
}
