package logging_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/logging"
	"github.com/machina-go/machina/host/internal/secrets"
)

// BenchmarkRedactingLogger is one Info line with five fields, key- and
// value-based redaction on, 10 known secrets.
func BenchmarkRedactingLogger(b *testing.B) {
	s := secrets.NewScrubber()
	for i := 0; i < 10; i++ {
		s.Add(fmt.Sprintf("sk-proj-%02d-%s", i, strings.Repeat("Zq9x", 6+i)))
	}
	l := logging.New(logging.Options{Name: "machina", Output: io.Discard, Scrubber: s}).Named("plugin").Named("cmms-maximo")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.Info("http request", "method", "GET", "origin", "https://maximo.example", "path", "/oslc/os/mxasset",
			"status", 200, "authorization", "Bearer x")
	}
}
