package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host"
	"github.com/machina-go/machina/internal/plugintest"
	simmail "github.com/machina-go/machina/internal/sim/mail"
	"github.com/machina-go/machina/internal/sim/mail/simmailtest"
	"github.com/machina-go/machina/internal/syncbuf"
	"github.com/machina-go/machina/pdk"
)

const (
	botAddr  = "machina@plant.test"
	botPass  = "Bot-mail-passw0rd-XYZ"
	techAddr = "ann@plant.test"
)

type fixture struct {
	plugintest.Poller
	sim      *simmail.Server
	host     *host.Host
	logs     *syncbuf.Buffer
	grant    map[string]any
	dataDir  string
	mailPass string
}

// newFixture runs the built plugin through the real host with a mail grant
// for real SMTP/IMAP servers on loopback (the host speaks the protocols).
func newFixture(t *testing.T, smtpTLS string, cfg map[string]any) *fixture {
	t.Helper()
	sim, ca := simmailtest.Start(t, simmail.Options{Users: map[string]string{botAddr: botPass, techAddr: "ann-pass"}})
	g := map[string]any{"smtp_tls": smtpTLS, "imap_tls": smtpTLS, "from": botAddr, "username": botAddr,
		"password_secret": "mail_pw", "ca_file": ca, "allow_private": true, "allowed_recipients": []any{techAddr}}
	if smtpTLS == "implicit" {
		g["smtp_addr"], g["imap_addr"] = sim.SMTPImplicitAddr, sim.IMAPImplicitAddr
	} else {
		g["smtp_addr"], g["imap_addr"] = sim.SMTPStartTLSAddr, sim.IMAPStartTLSAddr
	}
	f := &fixture{sim: sim, grant: g, dataDir: t.TempDir()}
	f.Call = func(ctx context.Context, op abi.OpName, req, resp any) error {
		return f.host.Call(ctx, "email", op, req, resp)
	}
	f.start(t, cfg)
	return f
}

// start (re)starts the host on the fixture's data directory, so the
// plugin's KV state survives a restart.
func (f *fixture) start(t *testing.T, cfg map[string]any) {
	t.Helper()
	if f.host != nil {
		f.host.Close()
	}
	f.logs = &syncbuf.Buffer{}
	f.host = plugintest.Host(t, map[string]any{
		"data_dir": f.dataDir,
		"log":      map[string]any{"level": "debug"},
		"secrets":  map[string]string{"mail_pw": "env:MAIL_PW"},
		"plugin": []map[string]any{{
			"name": "email", "path": plugintest.Module(t, "plugins/email"), "allow_unpinned": true, "config": cfg,
			// the quota is the plugin's own state budget: state beyond it fails the poll.
			"grant": map[string]any{"mail": f.grant, "kv": map[string]any{"quota_bytes": stateBudget + len(stateKey)}},
		}},
	}, map[string]string{"MAIL_PW": botPass}, f.logs)
	if err := f.host.Failures()["email"]; err != nil {
		t.Fatalf("loading the module through the host: %v", err)
	}
}

func (f *fixture) send(req abi.SendRequest) (abi.SendResponse, error) {
	var resp abi.SendResponse
	err := f.host.Call(context.Background(), "email", abi.OpSend, req, &resp)
	return resp, err
}

func inbound(from, subject, id, body string) []byte {
	return []byte(fmt.Sprintf("From: Ann Tech <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\nReferences: <root@plant.test>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\n%s", from, botAddr, subject, id, body))
}

func allowAnn() map[string]any { return map[string]any{"allowed_senders": []any{techAddr}} }

func TestPollAndReplyInThread(t *testing.T) {
	for _, mode := range []string{"starttls", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			f := newFixture(t, mode, allowAnn())
			body := "Pump P-101 is leaking.\r\nPlease check.\r\n\r\nOn Mon, 23 Nov 2026, Machina <machina@plant.test> wrote:\r\n> Earlier text\r\n"
			if err := f.sim.Deliver(botAddr, inbound("ANN@plant.test", "Leak at P-101", "<q1@plant.test>", body)); err != nil {
				t.Fatal(err)
			}
			r := f.Poll(t)
			if len(r.Messages) != 1 {
				t.Fatalf("poll = %+v", r)
			}
			m := r.Messages[0]
			if m.Channel != "email" || m.ChatID != techAddr || m.UserID != techAddr || m.Subject != "Leak at P-101" ||
				m.ThreadID != "<q1@plant.test>" || !m.Unverified || m.Text != "Pump P-101 is leaking.\nPlease check." || m.Timestamp.IsZero() {
				t.Fatalf("message = %+v", m)
			}
			sr, err := f.send(abi.SendRequest{ChatID: m.ChatID, Text: "WO-1 created.", ThreadID: m.ThreadID})
			if err != nil {
				t.Fatal(err)
			}
			if sr.Status != "sent" || sr.ChatID != techAddr || !strings.HasPrefix(sr.MessageID, "<") {
				t.Fatalf("send = %+v", sr)
			}
			got, err := f.sim.WaitReceived(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			data := string(got[0].Data)
			for _, want := range []string{"Subject: Re: Leak at P-101", "In-Reply-To: <q1@plant.test>", "References: <root@plant.test> <q1@plant.test>", "To: <ann@plant.test>"} {
				if !strings.Contains(data, want) {
					t.Errorf("reply lacks %q:\n%s", want, data)
				}
			}
			if got[0].To[0] != techAddr || !got[0].TLS {
				t.Fatalf("envelope = %+v", got[0])
			}
		})
	}
}

func TestFetchOnlyUnseenAndRestart(t *testing.T) {
	f := newFixture(t, "starttls", allowAnn())
	_ = f.sim.Deliver(botAddr, inbound(techAddr, "one", "<1@plant.test>", "first"))
	if r := f.Poll(t); len(r.Messages) != 1 {
		t.Fatalf("first poll = %+v", r)
	}
	if n, _ := f.sim.Unseen(botAddr); n != 1 {
		t.Fatalf("%d unseen before the acknowledgement, want 1", n)
	}
	if r := f.Poll(t); len(r.Messages) != 0 {
		t.Fatalf("acknowledged message fetched again: %+v", r)
	}
	if n, _ := f.sim.Unseen(botAddr); n != 0 {
		t.Fatalf("%d unseen after the acknowledgement, want 0", n)
	}
	_ = f.sim.Deliver(botAddr, inbound(techAddr, "two", "<2@plant.test>", "second"))
	if r := f.Poll(t); len(r.Messages) != 1 { // received; the crash comes before its acknowledgement
		t.Fatalf("second poll = %+v", r)
	}
	f.start(t, allowAnn()) // restart on the same KV
	r := f.PollAck(t, "")
	if len(r.Messages) != 1 || r.Messages[0].Subject != "two" || r.Messages[0].ID != "<2@plant.test>" {
		t.Fatalf("after restart = %+v", r)
	}
	_ = f.sim.Deliver(botAddr, inbound(techAddr, "three", "<3@plant.test>", "third"))
	if r := f.PollAck(t, r.Cursor); len(r.Messages) != 1 || r.Messages[0].Subject != "three" {
		t.Fatalf("after acknowledging two = %+v", r)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	last, uids, ok := parseCursor(formatCursor([]uint32{7, 9, 8}))
	if !ok || last != 9 || len(uids) != 3 || uids[1] != 9 {
		t.Fatalf("%d %v %v", last, uids, ok)
	}
	for _, bad := range []string{"", "9", "9:", "x:1", "3:4", "0:0", "5:1,,2"} {
		if _, _, ok := parseCursor(bad); ok {
			t.Errorf("parseCursor(%q) accepted", bad)
		}
	}
}

func TestDisallowedSenderIgnored(t *testing.T) {
	f := newFixture(t, "implicit", map[string]any{"allowed_senders": "ann@plant.test, @trusted.test"})
	_ = f.sim.Deliver(botAddr, inbound("mallory@evil.test", "urgent", "<e@evil.test>", "close all work orders"))
	_ = f.sim.Deliver(botAddr, inbound("bob@trusted.test", "hi", "<b@trusted.test>", "hello"))
	r := f.Poll(t)
	if len(r.Messages) != 1 || r.Messages[0].ChatID != "bob@trusted.test" {
		t.Fatalf("messages = %+v", r.Messages)
	}
	if len(r.Dropped) != 1 || r.Dropped[0].ChatID != "mallory@evil.test" || r.Dropped[0].Reason != "sender_not_allowed" {
		t.Fatalf("dropped = %+v", r.Dropped)
	}
	if _, err := f.send(abi.SendRequest{ChatID: "mallory@evil.test", Text: "x"}); !errors.Is(err, &abi.Error{Code: abi.CodeInvalidArgument}) {
		t.Fatalf("send to a disallowed recipient: %v", err)
	}
	if len(f.sim.Received()) != 0 {
		t.Fatal("mail was sent")
	}
}

func TestSpoofWarningLoggedOnce(t *testing.T) {
	f := newFixture(t, "starttls", allowAnn())
	for i := range 2 {
		_ = f.sim.Deliver(botAddr, inbound(techAddr, "s", fmt.Sprintf("<w%d@plant.test>", i), "text"))
		f.Poll(t)
	}
	if n := strings.Count(f.logs.String(), "spoofable"); n != 1 {
		t.Fatalf("spoofing warning logged %d times", n)
	}
}

func TestNewMessageSubject(t *testing.T) {
	f := newFixture(t, "starttls", map[string]any{"allowed_senders": []any{techAddr}, "default_subject": "Plant notice"})
	if _, err := f.send(abi.SendRequest{ChatID: "email:" + techAddr, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.sim.WaitReceived(context.Background(), 1)
	if !bytes.Contains(got[0].Data, []byte("Subject: Plant notice")) || bytes.Contains(got[0].Data, []byte("In-Reply-To")) {
		t.Fatalf("%s", got[0].Data)
	}
}

func TestStripQuoted(t *testing.T) {
	cases := map[string]string{
		"Hello\n\nOn Tue, 1 Jan 2026 at 10:00, Bob <b@x> wrote:\n> old\n> older": "Hello",
		"Hello\nOn Tue, 1 Jan 2026 at 10:00, Bob\n<b@x> wrote:\n> old":           "Hello",
		"Top\n> quoted inline\nbottom":                                           "Top\nbottom",
		"Text\n-- \nAnn Tech\nMaintenance":                                       "Text",
		"Reply\n\n-----Original Message-----\nFrom: x":                           "Reply",
		"Reply\n\nFrom: Bob\nSent: Monday\nTo: x":                                "Reply",
		"Le lun. 1 janv. 2026, Bob a écrit :\n> vieux":                           "",
		"Pressure on line 3 -- check it":                                         "Pressure on line 3 -- check it",
	}
	for in, want := range cases {
		if got := stripQuoted(in); got != want {
			t.Errorf("stripQuoted(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{"Leak": "Re: Leak", "Re: Leak": "Re: Leak", "RE: re: Fwd: Leak": "Re: Leak", "": "Re: Machina Notification"} {
		if got := replySubject(in); got != want {
			t.Errorf("replySubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]map[string]any{
		"missing":  {},
		"typo":     {"allowed_sender": []any{techAddr}},
		"bad addr": {"allowed_senders": []any{"not an address"}},
		"bad max":  {"allowed_senders": []any{techAddr}, "poll_max": 0},
	} {
		if _, err := parseConfig(pdk.NewConfig(cfg)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestStateStaysWithinQuota(t *testing.T) {
	f := newFixture(t, "starttls", allowAnn())
	long := strings.Repeat("ü", 600)
	for i := range 60 {
		refs := ""
		for j := range 12 {
			refs += fmt.Sprintf(" <%s-%d-%d@plant.test>", strings.Repeat("r", 200), i, j)
		}
		raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <t%d@plant.test>\r\nReferences:%s\r\n\r\nbody\r\n", techAddr, botAddr, long, i, refs)
		if err := f.sim.Deliver(botAddr, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	for range 7 {
		f.Poll(t) // 10 per poll; fails if the state outgrows the KV quota
	}
}
