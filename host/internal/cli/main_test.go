package cli

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand in for bin/machina: a test that
// spawns the command a demo printed (os.Executable() is this binary), or
// `serve` as its own process, runs the real command line instead of the
// tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "demo" || os.Args[1] == "serve") {
		os.Exit(MainProcess())
	}
	os.Exit(m.Run())
}
