// Package secretstest holds the secret fixtures that tests and benchmarks of
// scrubbing code share, so their figures measure the same secrets.
//
// Test support only: the values are made up and must not be imported by
// production code.
package secretstest

import (
	"fmt"
	"strings"

	"github.com/machina-go/machina/host/internal/secrets"
)

// BenchScrubber returns a scrubber knowing 10 API-key-shaped secrets of
// growing length (sk-proj-00-… to sk-proj-09-…).
func BenchScrubber() *secrets.Scrubber {
	s := secrets.NewScrubber()
	for i := 0; i < 10; i++ {
		s.Add(fmt.Sprintf("sk-proj-%02d-%s", i, strings.Repeat("Zq9x", 6+i)))
	}
	return s
}
