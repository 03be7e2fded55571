package main

import (
	"strings"
	"testing"
)

// BenchmarkStripQuoted strips a reply with a long quoted history.
func BenchmarkStripQuoted(b *testing.B) {
	text := "Pump P-101 is leaking again.\nPlease send someone.\n\nOn Mon, 23 Nov 2026, Machina <m@x> wrote:\n" +
		strings.Repeat("> quoted line of an earlier message\n", 200)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if stripQuoted(text) == "" {
			b.Fatal("empty")
		}
	}
}
