// Package simmailtest starts the mail simulator for tests: one call gives a
// running SMTP/IMAP server on loopback, stopped when the test ends, and the
// file holding its CA certificate for the client side to trust.
//
// Test support only: it must not be imported by production code.
package simmailtest

import (
	"path/filepath"
	"testing"

	simmail "github.com/machina-go/machina/internal/sim/mail"
)

// Start starts the mail simulator with opts and writes its CA certificate
// to a file in a test directory; it returns the server and that file's
// path. The server is closed when the test ends.
func Start(tb testing.TB, opts simmail.Options) (*simmail.Server, string) {
	tb.Helper()
	sim, err := simmail.Start(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sim.Close() })
	ca := filepath.Join(tb.TempDir(), "ca.pem")
	if err := sim.WriteCA(ca); err != nil {
		tb.Fatal(err)
	}
	return sim, ca
}
