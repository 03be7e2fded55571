package mail

import (
	"strings"
	"testing"
)

// BenchmarkParseMessage parses a multipart/alternative message of ~8 KiB.
func BenchmarkParseMessage(b *testing.B) {
	body := strings.Repeat("The bearing temperature of P-101 rose above 80 C. ", 80)
	raw := []byte("From: Ann <ann@plant.test>\r\nTo: machina@plant.test\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nMessage-ID: <a@plant.test>\r\n" +
		"References: <r1@plant.test> <r2@plant.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + body + "</p>\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n--XX--\r\n")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if m := parseMessage(raw, DefaultMaxText); m.Text == "" {
			b.Fatal("no text")
		}
	}
}
