package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	hostmail "github.com/machina-go/machina/host/internal/mail"
	"github.com/machina-go/machina/host/internal/secrets"
	simmail "github.com/machina-go/machina/internal/sim/mail"
	"github.com/machina-go/machina/internal/sim/mail/simmailtest"
)

const (
	botAddr  = "machina@plant.test"
	botPass  = "s3cret-mail-Passw0rd!"
	techAddr = "ann@plant.test"
	techPass = "ann-password-123"
)

type env struct {
	sim    *simmail.Server
	client *hostmail.Client
	logs   *bytes.Buffer
	caFile string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	sim, ca := simmailtest.Start(t, simmail.Options{Users: map[string]string{botAddr: botPass, techAddr: techPass}, InsecureSMTP: true})
	reg, err := secrets.NewRegistry(map[string]string{"mail_password": "env:TEST_MAIL_PASSWORD", "ann_password": "env:TEST_ANN_PASSWORD"}, secrets.Options{
		Getenv: func(k string) string {
			switch k {
			case "TEST_MAIL_PASSWORD":
				return botPass
			case "TEST_ANN_PASSWORD":
				return techPass
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Trace})
	return &env{sim: sim, logs: logs, caFile: ca,
		client: hostmail.New(hostmail.Options{Secrets: reg, Scrubber: reg.Scrubber(), Logger: log, Timeout: 10 * time.Second})}
}

// deliver puts raw messages into the bot's mailbox.
func (e *env) deliver(t testing.TB, raws ...string) {
	t.Helper()
	for _, raw := range raws {
		if err := e.sim.Deliver(botAddr, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
}

// numbered is n messages from techAddr to the bot, message i with subject
// <subject>i, Message-ID <<id>i@plant.test> and body "body i".
func numbered(subject, id string, n int) []string {
	var raws []string
	for i := 1; i <= n; i++ {
		raws = append(raws, fmt.Sprintf("From: Ann <%s>\r\nTo: %s\r\nSubject: %s%d\r\nMessage-ID: <%s%d@plant.test>\r\n\r\nbody %d\r\n", techAddr, botAddr, subject, i, id, i, i))
	}
	return raws
}

func (e *env) grant(smtpTLS, imapTLS string) config.MailGrant {
	g := config.MailGrant{From: "Machina <" + botAddr + ">", Username: botAddr, PasswordSecret: "mail_password",
		CAFile: e.caFile, AllowPrivate: true, SMTPTLS: smtpTLS, IMAPTLS: imapTLS}
	if smtpTLS == "implicit" {
		g.SMTPAddr = e.sim.SMTPImplicitAddr
	} else {
		g.SMTPAddr = e.sim.SMTPStartTLSAddr
	}
	if imapTLS == "implicit" {
		g.IMAPAddr = e.sim.IMAPImplicitAddr
	} else {
		g.IMAPAddr = e.sim.IMAPStartTLSAddr
	}
	return g
}

func TestSendAndFetchRoundTrip(t *testing.T) {
	for _, mode := range []string{"starttls", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			g := e.grant(mode, mode)
			// The bot mails Ann; Ann's mailbox is read back over IMAP.
			id, err := e.client.Send(ctx, "email", g, abi.MailMessage{To: []string{techAddr}, Subject: "Pump P-101 — leak", Text: "Line one\nLine two ünïcode"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.sim.WaitReceived(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !got[0].TLS || got[0].User != botAddr || got[0].From != botAddr {
				t.Fatalf("envelope = %+v", got[0])
			}
			ann := g
			ann.Username, ann.PasswordSecret = techAddr, "ann_password"
			raw := got[0].Data
			if !bytes.Contains(raw, []byte("Auto-Submitted: auto-generated")) {
				t.Fatalf("sent mail lacks Auto-Submitted:\n%s", raw)
			}
			// Deliver it again without Auto-Submitted (a human forward) so
			// the fetch returns it: the original is automatic and skipped.
			human := bytes.Replace(raw, []byte("Auto-Submitted: auto-generated\r\n"), nil, 1)
			if err := e.sim.Deliver(techAddr, human); err != nil {
				t.Fatal(err)
			}
			msgs, err := e.client.Fetch(ctx, "email", ann, abi.MailFetchRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 {
				t.Fatalf("fetched %d messages", len(msgs))
			}
			m := msgs[0]
			if m.MessageID != id || m.From != botAddr || m.Subject != "Pump P-101 — leak" || m.Text != "Line one\nLine two ünïcode" || m.UID != 2 || m.Date == "" {
				t.Fatalf("message = %+v (id %s)", m, id)
			}
			// Fetched (and skipped) messages are marked seen: the next fetch
			// is empty.
			if n, _ := e.sim.Unseen(techAddr); n != 0 {
				t.Fatalf("unseen = %d", n)
			}
			again, err := e.client.Fetch(ctx, "email", ann, abi.MailFetchRequest{})
			if err != nil || len(again) != 0 {
				t.Fatalf("second fetch = %v, %v", again, err)
			}
		})
	}
}

func TestFetchUnseenSinceUIDAndMax(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.grant("starttls", "starttls")
	e.deliver(t, numbered("n", "m", 5)...)
	first, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{Max: 2})
	if err != nil || len(first) != 2 || first[0].Subject != "n1" || first[1].Subject != "n2" {
		t.Fatalf("first = %+v, %v", first, err)
	}
	rest, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{SinceUID: first[1].UID + 1})
	if err != nil || len(rest) != 2 || rest[0].Subject != "n4" {
		t.Fatalf("since = %+v, %v", rest, err)
	}
	// A since_uid beyond UIDNEXT (mailbox recreated) is ignored.
	stale, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{SinceUID: 100000})
	if err != nil || len(stale) != 1 || stale[0].Subject != "n3" {
		t.Fatalf("stale since = %+v, %v", stale, err)
	}
}

// TestFetchPeekThenAcknowledge: with peek (ABI 1.4) fetched mail stays
// unseen (RFC 9051 §6.4.5: BODY.PEEK does not set \Seen) and is fetched
// again until its UID comes back in seen, which the server then flags.
func TestFetchPeekThenAcknowledge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.grant("implicit", "implicit")
	e.deliver(t, numbered("p", "p", 2)...)
	first, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{Peek: true})
	if err != nil || len(first) != 2 {
		t.Fatalf("peek = %+v, %v", first, err)
	}
	if n, _ := e.sim.Unseen(botAddr); n != 2 {
		t.Fatalf("after a peek %d unseen, want 2", n)
	}
	again, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{Peek: true})
	if err != nil || len(again) != 2 || again[0].UID != first[0].UID {
		t.Fatalf("second peek (nothing acknowledged) = %+v, %v", again, err)
	}
	rest, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{Peek: true, Seen: []uint32{first[0].UID}})
	if err != nil || len(rest) != 1 || rest[0].Subject != "p2" {
		t.Fatalf("after acknowledging p1 = %+v, %v", rest, err)
	}
	if n, _ := e.sim.Unseen(botAddr); n != 1 {
		t.Fatalf("after acknowledging one, %d unseen, want 1", n)
	}
	none, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{Peek: true, Seen: []uint32{rest[0].UID}})
	if err != nil || len(none) != 0 {
		t.Fatalf("after acknowledging both = %+v, %v", none, err)
	}
	if n, _ := e.sim.Unseen(botAddr); n != 0 {
		t.Fatalf("%d unseen, want 0", n)
	}
	big := make([]uint32, 1001)
	if _, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{Seen: big}); abi.AsError(err).Code != abi.CodeInvalidArgument {
		t.Fatalf("1001 seen UIDs: %v", err)
	}
}

func TestReplyHeadersAndInjection(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.grant("implicit", "implicit")
	_, err := e.client.Send(ctx, "email", g, abi.MailMessage{To: []string{techAddr}, Subject: "Re: Pump", Text: "ok",
		InReplyTo: "<orig@plant.test>", References: []string{"<root@plant.test>"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.sim.WaitReceived(ctx, 1)
	data := string(got[0].Data)
	for _, want := range []string{"In-Reply-To: <orig@plant.test>", "References: <root@plant.test> <orig@plant.test>", "Subject: Re: Pump", "From: \"Machina\" <machina@plant.test>"} {
		if !strings.Contains(data, want) {
			t.Errorf("message lacks %q:\n%s", want, data)
		}
	}
	bad := []abi.MailMessage{
		{To: []string{techAddr}, Subject: "x\r\nBcc: evil@x.test", Text: "t"},
		{To: []string{"not an address"}, Subject: "x", Text: "t"},
		{To: []string{techAddr + "\r\nRCPT TO:<evil@x.test>"}, Subject: "x", Text: "t"},
		{To: []string{techAddr}, Subject: "x", Text: "t", InReplyTo: "<a@b>\r\nBcc: e@x"},
		{To: nil, Subject: "x", Text: "t"},
	}
	for i, m := range bad {
		if _, err := e.client.Send(ctx, "email", g, m); !errors.Is(err, &abi.Error{Code: abi.CodeInvalidArgument}) {
			t.Errorf("bad message %d: %v", i, err)
		}
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	msg := abi.MailMessage{To: []string{techAddr}, Subject: "s", Text: "t"}

	// A server without STARTTLS: the client never sends credentials.
	g := e.grant("starttls", "starttls")
	g.SMTPAddr = e.sim.SMTPInsecureAddr
	if _, err := e.client.Send(ctx, "email", g, msg); err == nil {
		t.Fatal("sent over a server without TLS")
	}
	if len(e.sim.Received()) != 0 {
		t.Fatal("the insecure server accepted mail")
	}
	// Plaintext mode is not a thing.
	g = e.grant("starttls", "starttls")
	g.SMTPTLS = "none"
	if _, err := e.client.Send(ctx, "email", g, msg); !errors.Is(err, &abi.Error{Code: abi.CodeInvalidArgument}) {
		t.Fatalf("plaintext mode: %v", err)
	}
	// Without the CA the certificate does not verify.
	g = e.grant("implicit", "implicit")
	g.CAFile = ""
	if _, err := e.client.Send(ctx, "email", g, msg); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
	if _, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{}); err == nil {
		t.Fatal("untrusted certificate accepted (imap)")
	}
	// Loopback needs allow_private.
	g = e.grant("implicit", "implicit")
	g.AllowPrivate = false
	if _, err := e.client.Send(ctx, "email", g, msg); !errors.Is(err, &abi.Error{Code: abi.CodeUnauthorized}) {
		t.Fatalf("loopback without allow_private: %v", err)
	}
	// A wrong password is unauthorized, and the message never names it.
	g = e.grant("implicit", "implicit")
	g.Username = techAddr // botPass is not Ann's password
	_, err := e.client.Send(ctx, "email", g, msg)
	if !errors.Is(err, &abi.Error{Code: abi.CodeUnauthorized}) {
		t.Fatalf("wrong password (smtp): %v", err)
	}
	_, err2 := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{})
	if !errors.Is(err2, &abi.Error{Code: abi.CodeUnauthorized}) {
		t.Fatalf("wrong password (imap): %v", err2)
	}
	for _, s := range []string{err.Error(), err2.Error(), e.logs.String()} {
		if strings.Contains(s, botPass) {
			t.Fatalf("password leaked: %s", s)
		}
	}
}

func TestParseMultipartAndHTML(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.grant("implicit", "implicit")
	multipart := "From: Ann <ANN@plant.test>\r\nTo: machina@plant.test\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nMessage-ID: <mp@plant.test>\r\n" +
		"In-Reply-To: <parent@plant.test>\r\nReferences: <root@plant.test> <parent@plant.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html</p>\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 plain\r\n--XX--\r\n"
	html := "From: bob@plant.test\r\nTo: machina@plant.test\r\nSubject: h\r\nContent-Type: text/html\r\n\r\n<html><head><style>x{}</style></head><body><p>Hello&amp;bye</p><p>Two</p></body></html>\r\n"
	e.deliver(t, multipart, html)
	msgs, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%+v %v", msgs, err)
	}
	m := msgs[0]
	if m.From != "ann@plant.test" || m.Subject != "Café" || m.InReplyTo != "<parent@plant.test>" || len(m.References) != 2 || strings.TrimSpace(m.Text) != "Café plain" {
		t.Fatalf("multipart = %+v", m)
	}
	if msgs[1].Text != "Hello&bye\nTwo" {
		t.Fatalf("html = %q", msgs[1].Text)
	}
}

func TestSandboxRefusesSend(t *testing.T) {
	e := newEnv(t)
	on := true
	reg, _ := secrets.NewRegistry(map[string]string{"mail_password": "env:X"}, secrets.Options{Getenv: func(string) string { return botPass }})
	c := hostmail.New(hostmail.Options{Secrets: reg, Sandbox: func() bool { return on }})
	_, err := c.Send(context.Background(), "email", e.grant("implicit", "implicit"), abi.MailMessage{To: []string{techAddr}, Subject: "s", Text: "t"})
	if !errors.Is(err, &abi.Error{Code: abi.CodeUnauthorized}) || len(e.sim.Received()) != 0 {
		t.Fatalf("sandbox send: %v, %d received", err, len(e.sim.Received()))
	}
	// Reading stays allowed.
	if _, err := c.Fetch(context.Background(), "email", e.grant("implicit", "implicit"), abi.MailFetchRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestFetchSkipsAutomaticMail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.grant("implicit", "implicit")
	for _, hdr := range []string{"Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes", "Auto-Submitted: no"} {
		e.deliver(t, "From: "+techAddr+"\r\nTo: "+botAddr+"\r\nSubject: "+hdr+"\r\n"+hdr+"\r\n\r\nOut of office\r\n")
	}
	msgs, err := e.client.Fetch(ctx, "email", g, abi.MailFetchRequest{})
	if err != nil || len(msgs) != 1 || msgs[0].Subject != "Auto-Submitted: no" {
		t.Fatalf("fetched %+v, %v", msgs, err)
	}
	if n, _ := e.sim.Unseen(botAddr); n != 0 {
		t.Fatalf("automatic mail left unseen: %d", n)
	}
}

func TestTimeoutOnSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept and never say a word
		}
	}()
	e := newEnv(t)
	c := hostmail.New(hostmail.Options{Secrets: nil, Timeout: 300 * time.Millisecond})
	g := e.grant("starttls", "starttls")
	g.SMTPAddr, g.IMAPAddr, g.PasswordSecret = ln.Addr().String(), ln.Addr().String(), ""
	start := time.Now()
	if _, err := c.Send(context.Background(), "email", g, abi.MailMessage{To: []string{techAddr}, Subject: "s", Text: "t"}); !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) {
		t.Fatalf("silent SMTP server: %v", err)
	}
	g.IMAPTLS = "implicit"
	g.PasswordSecret = "mail_password"
	reg, _ := secrets.NewRegistry(map[string]string{"mail_password": "env:X"}, secrets.Options{Getenv: func(string) string { return botPass }})
	c = hostmail.New(hostmail.Options{Secrets: reg, Timeout: 300 * time.Millisecond})
	if _, err := c.Fetch(context.Background(), "email", g, abi.MailFetchRequest{}); !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) {
		t.Fatalf("silent IMAP server: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("calls took %v despite a 300 ms timeout", d)
	}
}
