package main

import (
	"strings"
	"testing"
)

// BenchmarkSplitText splits a 20 000 character reply into Telegram parts.
func BenchmarkSplitText(b *testing.B) {
	text := strings.Repeat(strings.Repeat("vibration ", 49)+"end\n", 40)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if len(splitText(text, maxMessageUnits)) < 4 {
			b.Fatal("too few parts")
		}
	}
}
