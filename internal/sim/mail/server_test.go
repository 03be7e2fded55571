package mail_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	simmail "github.com/machina-go/machina/internal/sim/mail"
)

func TestSMTPDeliversIntoIMAP(t *testing.T) {
	s, err := simmail.Start(simmail.Options{Users: map[string]string{"a@x.test": "pa", "b@x.test": "pb"}, InsecureSMTP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conf := s.ClientTLSConfig()
	c, err := smtp.DialStartTLS(s.SMTPStartTLSAddr, conf)
	if err != nil {
		t.Fatal(err)
	}
	// MAIL before AUTH is refused.
	if err := c.Mail("a@x.test", nil); err == nil {
		t.Fatal("mail accepted without authentication")
	}
	c.Close()
	c, err = smtp.DialTLS(s.SMTPImplicitAddr, conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "a@x.test", "wrong")); err == nil {
		t.Fatal("wrong password accepted")
	}
	c.Close()
	c, err = smtp.DialTLS(s.SMTPImplicitAddr, conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "a@x.test", "pa")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("a@x.test", []string{"b@x.test", "someone@else.test"}, strings.NewReader("Subject: hi\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	got, err := s.WaitReceived(context.Background(), 1)
	if err != nil || !got[0].TLS || got[0].User != "a@x.test" || len(got[0].To) != 2 {
		t.Fatalf("received = %+v, %v", got, err)
	}
	if n, err := s.Unseen("b@x.test"); err != nil || n != 1 {
		t.Fatalf("unseen = %d, %v", n, err)
	}
	// IMAP over STARTTLS sees it; a plain connection cannot log in.
	ic, err := imapclient.DialStartTLS(s.IMAPStartTLSAddr, &imapclient.Options{TLSConfig: conf})
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("b@x.test", "pb").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := ic.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 1 {
		t.Fatalf("select = %+v, %v", sel, err)
	}
	plain, err := imapclient.DialInsecure(s.IMAPStartTLSAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.Login("b@x.test", "pb").Wait(); err == nil {
		t.Fatal("IMAP login accepted without TLS")
	}
	// The untrusted certificate is refused by a client without the CA.
	if _, err := smtp.DialTLS(s.SMTPImplicitAddr, &tls.Config{ServerName: "localhost"}); err == nil {
		t.Fatal("certificate accepted without the test CA")
	}
}
