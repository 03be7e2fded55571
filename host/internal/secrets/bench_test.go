package secrets_test

import (
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/secrets/secretstest"
)

// BenchmarkScrubClean is the common case: 1 KiB of text with no secret.
func BenchmarkScrubClean(b *testing.B) {
	s := secretstest.BenchScrubber()
	text := strings.Repeat("WO-1001 P-101 replace mechanical seal, priority 2; ", 21)[:1024]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if s.ScrubString(text) != text {
			b.Fatal("changed")
		}
	}
}

// BenchmarkScrubHit is 1 KiB of text containing two secrets.
func BenchmarkScrubHit(b *testing.B) {
	s := secretstest.BenchScrubber()
	text := strings.Repeat("x", 400) + "sk-proj-03-" + strings.Repeat("Zq9x", 9) + strings.Repeat("y", 400) + "sk-proj-07-" + strings.Repeat("Zq9x", 13)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if s.ScrubString(text) == text {
			b.Fatal("unchanged")
		}
	}
}

// BenchmarkLooksSecretKey covers a typical mix of keys.
func BenchmarkLooksSecretKey(b *testing.B) {
	keys := []string{"asset_id", "Authorization", "max_tokens", "client_secret", "result_json", "X-Request-Id"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		secrets.LooksSecretKey(keys[i%len(keys)])
	}
}
