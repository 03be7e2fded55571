package mail_test

import (
	"context"
	"testing"

	"github.com/machina-go/machina/abi"
)

// BenchmarkSendImplicitTLS submits one message per iteration over a fresh
// implicit-TLS SMTP connection with AUTH (connection per call).
func BenchmarkSendImplicitTLS(b *testing.B) {
	e := newEnv(b)
	g := e.grant("implicit", "implicit")
	msg := abi.MailMessage{To: []string{techAddr}, Subject: "bench", Text: "WO-1 created."}
	for b.Loop() {
		if _, err := e.client.Send(context.Background(), "email", g, msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetchEmpty polls an empty mailbox over implicit-TLS IMAP (the
// steady state of the poll loop).
func BenchmarkFetchEmpty(b *testing.B) {
	e := newEnv(b)
	g := e.grant("implicit", "implicit")
	for b.Loop() {
		if _, err := e.client.Fetch(context.Background(), "email", g, abi.MailFetchRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}
