package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/plugintest"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

const testToken = "123456:TEST-token-for-the-simulator"

type fixture struct {
	plugintest.Poller
	sim   *simtg.Server
	host  *pdktest.Host
	bot   *bot
	run   *pdk.Runner
	mu    sync.Mutex
	slept []time.Duration
	now   time.Time
}

// newFixture starts the simulator and a native plugin whose host inserts
// the token where {{auth}} stands, as the url_path auth profile does.
func newFixture(t *testing.T, cfg map[string]any) *fixture {
	t.Helper()
	sim, err := simtg.NewServer(simtg.Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	f := &fixture{sim: sim, now: time.Now()}
	f.Call = func(ctx context.Context, op abi.OpName, req, resp any) error {
		return pdktest.Invoke(ctx, f.host, f.run, string(op), req, resp)
	}
	f.host = &pdktest.Host{Manifest: manifest, Auth: func(r *http.Request) {
		r.URL.Path = strings.Replace(r.URL.Path, "{{auth}}", testToken, 1)
		r.URL.RawPath = ""
	}}
	f.start(t, cfg)
	return f
}

// start (re)creates the plugin instance on the same host (same KV), as a
// restart does.
func (f *fixture) start(t *testing.T, cfg map[string]any) {
	t.Helper()
	f.bot = newBot()
	f.bot.sleep = func(d time.Duration) { f.mu.Lock(); f.slept = append(f.slept, d); f.now = f.now.Add(d); f.mu.Unlock() }
	f.bot.now = func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
	f.run = pdk.NewMessaging(info(), f.bot)
	full := map[string]any{"base_url": f.sim.URL(), "poll_timeout_s": 0}
	for k, v := range cfg {
		full[k] = v
	}
	if err := pdktest.Init(context.Background(), f.host, f.run, full); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) send(chat, text string) (abi.SendResponse, error) {
	var resp abi.SendResponse
	err := pdktest.Invoke(context.Background(), f.host, f.run, string(abi.OpSend), abi.SendRequest{ChatID: chat, Text: text}, &resp)
	return resp, err
}

func ann() simtg.User { return simtg.User{ID: 42, FirstName: "Ann"} }

func TestPollReplyRoundTrip(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}})
	f.sim.InjectText(42, ann(), "Pump P-101 is leaking")
	resp := f.Poll(t)
	if len(resp.Messages) != 1 {
		t.Fatalf("messages = %+v", resp)
	}
	m := resp.Messages[0]
	if m.Channel != "telegram" || m.ChatID != "42" || m.UserID != "42" || m.UserName != "Ann" || m.Text != "Pump P-101 is leaking" || m.Timestamp.IsZero() {
		t.Fatalf("message = %+v", m)
	}
	var sr abi.SendResponse
	err := pdktest.Invoke(context.Background(), f.host, f.run, string(abi.OpSend),
		abi.SendRequest{ChatID: "telegram:" + m.ChatID, Text: "Work order WO-1 created.", ThreadID: m.ThreadID}, &sr)
	if err != nil {
		t.Fatal(err)
	}
	if sr.Status != "sent" || sr.ChatID != "42" || sr.Parts != 1 || sr.MessageID == "" {
		t.Fatalf("send = %+v", sr)
	}
	sent := f.sim.Sent()
	if len(sent) != 1 || sent[0].ChatID != "42" || sent[0].Text != "Work order WO-1 created." || sent[0].ParseMode != "" || sent[0].ReplyTo == 0 || m.ThreadID != fmt.Sprint(sent[0].ReplyTo) {
		t.Fatalf("sent = %+v", sent)
	}
	// The update is confirmed: the next poll is empty.
	if r := f.Poll(t); len(r.Messages) != 0 {
		t.Fatalf("second poll = %+v", r)
	}
}

func TestDisallowedChatDropped(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": "42"})
	f.sim.InjectText(666, simtg.User{ID: 666, FirstName: "Mallory"}, "delete everything")
	f.sim.InjectText(42, ann(), "hello")
	resp := f.Poll(t)
	if len(resp.Messages) != 1 || resp.Messages[0].ChatID != "42" {
		t.Fatalf("messages = %+v", resp.Messages)
	}
	if len(resp.Dropped) != 1 || resp.Dropped[0].ChatID != "666" || resp.Dropped[0].Reason != "chat_not_allowed" {
		t.Fatalf("dropped = %+v", resp.Dropped)
	}
	if len(f.sim.Sent()) != 0 {
		t.Fatalf("the bot answered a disallowed chat: %+v", f.sim.Sent())
	}
	// Sending to a chat outside the allow-list is refused.
	if _, err := f.send("666", "hi"); !errors.Is(err, &abi.Error{Code: abi.CodeInvalidArgument}) {
		t.Fatalf("send to disallowed chat: %v", err)
	}
}

func TestRestartResumesFromStoredOffset(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{"42"}})
	f.sim.InjectText(42, ann(), "one")
	f.sim.InjectText(42, ann(), "two")
	if r := f.Poll(t); len(r.Messages) != 2 {
		t.Fatalf("first poll = %+v", r)
	}
	f.sim.InjectText(42, ann(), "three")
	if r := f.Poll(t); len(r.Messages) != 1 { // acknowledges one and two
		t.Fatalf("second poll = %+v", r)
	}
	// A new instance (restart) on the same KV store: "three" was never
	// acknowledged (the host had not handled it), so it comes back.
	f.start(t, map[string]any{"allowed_chat_ids": []any{"42"}})
	r := f.PollAck(t, "")
	if len(r.Messages) != 1 || r.Messages[0].Text != "three" {
		t.Fatalf("after restart = %+v", r.Messages)
	}
	// Telegram confirms updates below the offset of a getUpdates call
	// (Bot API: "An update is considered confirmed as soon as getUpdates
	// is called with an offset higher than its update_id").
	if f.sim.Pending() != 1 {
		t.Fatalf("pending = %d, want only the unacknowledged last update", f.sim.Pending())
	}
}

// TestUnacknowledgedBatchIsDeliveredAgain: a batch comes back, with the
// same ids, until its cursor is acknowledged; then never again.
func TestUnacknowledgedBatchIsDeliveredAgain(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{"42"}})
	f.sim.InjectText(42, ann(), "one")
	f.sim.InjectText(666, simtg.User{ID: 666, FirstName: "Mallory"}, "not allowed")
	first := f.PollAck(t, "")
	again := f.PollAck(t, "")
	if len(first.Messages) != 1 || len(again.Messages) != 1 || first.Messages[0].ID != again.Messages[0].ID || first.Cursor == "" ||
		first.Cursor != again.Cursor {
		t.Fatalf("redelivery: first %+v, again %+v", first, again)
	}
	if len(again.Dropped) != 1 || again.Dropped[0].ID == "" || again.Dropped[0].ID != first.Dropped[0].ID {
		t.Fatalf("dropped ids: %+v / %+v", first.Dropped, again.Dropped)
	}
	if r := f.PollAck(t, first.Cursor); len(r.Messages) != 0 || len(r.Dropped) != 0 || r.Cursor != "" {
		t.Fatalf("after the acknowledgement: %+v", r)
	}
	if f.sim.Pending() != 0 {
		t.Fatalf("pending = %d after the acknowledgement", f.sim.Pending())
	}
	// An acknowledgement that is not an offset is ignored.
	f.sim.InjectText(42, ann(), "two")
	if r := f.PollAck(t, "garbage"); len(r.Messages) != 1 || r.Messages[0].Text != "two" {
		t.Fatalf("after a bad acknowledgement: %+v", r)
	}
}

func TestPoll429BacksOff(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}})
	f.sim.InjectText(42, ann(), "hello")
	f.sim.Fail(simtg.Fault{Method: "getUpdates", Status: 429, RetryAfter: 3})
	if r := f.Poll(t); len(r.Messages) != 0 {
		t.Fatalf("rate-limited poll returned %+v", r)
	}
	calls := f.sim.Calls("getUpdates")
	// Within retry_after the plugin does not call the API.
	if r := f.Poll(t); len(r.Messages) != 0 || f.sim.Calls("getUpdates") != calls {
		t.Fatalf("poll inside retry_after hit the API: %d calls", f.sim.Calls("getUpdates"))
	}
	f.mu.Lock()
	f.now = f.now.Add(3 * time.Second)
	f.mu.Unlock()
	if r := f.Poll(t); len(r.Messages) != 1 {
		t.Fatalf("poll after retry_after = %+v", r)
	}
}

func TestSend429WaitsRetryAfter(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}})
	f.sim.Fail(simtg.Fault{Method: "sendMessage", Status: 429, RetryAfter: 2})
	if _, err := f.send("42", "hello"); err != nil {
		t.Fatal(err)
	}
	if len(f.slept) != 1 || f.slept[0] != 2*time.Second {
		t.Fatalf("slept %v, want [2s]", f.slept)
	}
	if len(f.sim.Sent()) != 1 {
		t.Fatalf("sent = %+v", f.sim.Sent())
	}
	// A retry_after longer than max_send_wait_s is reported, not waited.
	f.sim.Fail(simtg.Fault{Method: "sendMessage", Status: 429, RetryAfter: 60})
	if _, err := f.send("42", "hello"); !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) || !strings.Contains(err.Error(), "retry after 60") {
		t.Fatalf("long retry_after: %v", err)
	}
}

func TestNonTextAndCommands(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}, "greeting": "Hi, I am the bot."})
	f.sim.Inject(simtg.Message{From: &simtg.User{ID: 42, FirstName: "Ann"}, Chat: simtg.Chat{ID: 42}, Sticker: json.RawMessage(`{"file_id":"x"}`)})
	f.sim.InjectText(42, ann(), "/start")
	f.sim.InjectText(42, ann(), "/unknown arg")
	r := f.Poll(t)
	if len(r.Messages) != 0 {
		t.Fatalf("messages = %+v", r.Messages)
	}
	// Poll is a read operation (the manifest check is on): the automatic
	// answers ride on the refusals (ABI 1.5) for the host to send.
	replies := map[string]string{}
	for _, d := range r.Dropped {
		text := ""
		if d.Reply != nil {
			text = d.Reply.Text
		}
		if d.ChatID != "42" || d.ID == "" {
			t.Fatalf("dropped = %+v", d)
		}
		replies[d.Reason] = text
	}
	want := map[string]string{"not_text": "I can only read text messages.", "command_handled": "Hi, I am the bot.", "command_ignored": ""}
	if fmt.Sprint(replies) != fmt.Sprint(want) {
		t.Fatalf("dropped reasons and replies = %v, want %v", replies, want)
	}
	if sent := f.sim.Sent(); len(sent) != 0 {
		t.Fatalf("poll sent by itself: %+v", sent)
	}
	// A redelivery (no acknowledgement yet) repeats the refusals with the
	// same ids, so the host, which de-duplicates by id, answers once.
	again := f.PollAck(t, "")
	if len(again.Dropped) != 3 {
		t.Fatalf("redelivered = %+v", again)
	}
	for i, d := range again.Dropped {
		if d.ID != r.Dropped[i].ID {
			t.Fatalf("redelivered id %q, first %q", d.ID, r.Dropped[i].ID)
		}
	}
}

func TestLongTextIsSplit(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}})
	line := strings.Repeat("word ", 199) + "end\n" // 999 units + newline
	text := strings.Repeat(line, 10)
	sr, err := f.send("42", text)
	if err != nil {
		t.Fatal(err)
	}
	sent := f.sim.Sent()
	if sr.Parts != len(sent) || len(sent) < 3 {
		t.Fatalf("parts = %d, sent %d", sr.Parts, len(sent))
	}
	var joined []string
	for _, s := range sent {
		if n := len(utf16.Encode([]rune(s.Text))); n > 4096 {
			t.Fatalf("part of %d units", n)
		}
		if !strings.HasSuffix(s.Text, "end") {
			t.Fatalf("part not cut at a line boundary: …%q", s.Text[len(s.Text)-10:])
		}
		joined = append(joined, s.Text)
	}
	if strings.Join(joined, "\n") != strings.TrimSuffix(text, "\n") {
		t.Fatal("parts do not reassemble into the text")
	}
}

func TestMarkdownFallsBackToPlain(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}, "parse_mode": "MarkdownV2"})
	if _, err := f.send("42", "*bold* and escaped \\."); err != nil {
		t.Fatal(err)
	}
	if _, err := f.send("42", "Pressure is 4.2 bar!"); err != nil {
		t.Fatal(err)
	}
	sent := f.sim.Sent()
	if len(sent) != 2 || sent[0].ParseMode != "MarkdownV2" || sent[1].ParseMode != "" {
		t.Fatalf("sent = %+v", sent)
	}
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}})
	f.host.Auth = func(r *http.Request) {
		r.URL.Path = strings.Replace(r.URL.Path, "{{auth}}", "999:wrong", 1)
		r.URL.RawPath = ""
	}
	var h abi.HealthResponse
	if err := pdktest.Invoke(context.Background(), f.host, f.run, string(abi.OpHealth), abi.HealthRequest{}, &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != abi.HealthUnhealthy || !strings.Contains(h.Message, "token") {
		t.Fatalf("health = %+v", h)
	}
	var pr abi.PollResponse
	err := pdktest.Invoke(context.Background(), f.host, f.run, string(abi.OpPoll), abi.PollRequest{}, &pr)
	if !errors.Is(err, &abi.Error{Code: abi.CodeUnauthorized}) {
		t.Fatalf("poll with wrong token: %v", err)
	}
}

func TestServerErrorIsUnavailable(t *testing.T) {
	f := newFixture(t, map[string]any{"allowed_chat_ids": []any{42}})
	f.sim.Fail(simtg.Fault{Method: "getUpdates", Status: 502})
	var pr abi.PollResponse
	err := pdktest.Invoke(context.Background(), f.host, f.run, string(abi.OpPoll), abi.PollRequest{}, &pr)
	if !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) {
		t.Fatalf("poll on 502: %v", err)
	}
}

func TestConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  map[string]any
		want []string // allowed ids; nil means an error
	}{
		{"ints", map[string]any{"allowed_chat_ids": []any{42, -1001234567890}}, []string{"42", "-1001234567890"}},
		{"strings", map[string]any{"allowed_chat_ids": []any{"42", " -7 "}}, []string{"42", "-7"}},
		{"env string", map[string]any{"allowed_chat_ids": "42, 43;44"}, []string{"42", "43", "44"}},
		{"one int", map[string]any{"allowed_chat_ids": 42}, []string{"42"}},
		{"not a number", map[string]any{"allowed_chat_ids": "abc"}, nil},
		{"missing", map[string]any{}, nil},
		{"typo", map[string]any{"allowed_chat_id": []any{42}}, nil},
		{"bad mode", map[string]any{"allowed_chat_ids": []any{42}, "parse_mode": "HTML"}, nil},
		{"allow all", map[string]any{"allow_all_chats": true}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseConfig(pdk.NewConfig(c.cfg))
			if c.want == nil {
				if err == nil {
					t.Fatalf("want an error, got %+v", cfg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.allowed) != len(c.want) {
				t.Fatalf("allowed = %v, want %v", cfg.allowed, c.want)
			}
			for _, id := range c.want {
				if !cfg.allowed[id] {
					t.Fatalf("allowed = %v, want %v", cfg.allowed, c.want)
				}
			}
		})
	}
}

func TestSplitText(t *testing.T) {
	if got := splitText("short", 10); len(got) != 1 || got[0] != "short" {
		t.Fatal(got)
	}
	got := splitText("aaaa bbbb cccc", 9)
	if strings.Join(got, "|") != "aaaa bbbb|cccc" {
		t.Fatalf("%q", got)
	}
	got = splitText(strings.Repeat("x", 25), 10)
	if strings.Join(got, "|") != "xxxxxxxxxx|xxxxxxxxxx|xxxxx" {
		t.Fatalf("%q", got)
	}
	// A surrogate pair (2 units) is never split.
	got = splitText(strings.Repeat("😀", 5), 3)
	for _, p := range got {
		if n := len(utf16.Encode([]rune(p))); n > 3 {
			t.Fatalf("part %q has %d units", p, n)
		}
	}
	if strings.Join(got, "") != strings.Repeat("😀", 5) {
		t.Fatalf("%q", got)
	}
}

// TestSplitTextProperties checks, on generated texts, that every part fits,
// no rune is split and no word is lost or reordered.
func TestSplitTextProperties(t *testing.T) {
	alphabet := []string{"a", "bc", "ü", "😀", " ", "\n", "\t", "word", "x\u00a0y"}
	seed := uint32(7)
	next := func(n int) int { seed = seed*1664525 + 1013904223; return int(seed>>8) % n }
	for i := 0; i < 300; i++ {
		var b strings.Builder
		for j := next(400); j >= 0; j-- {
			b.WriteString(alphabet[next(len(alphabet))])
		}
		text, limit := b.String(), 2+next(60)
		parts := splitText(text, limit)
		for _, p := range parts {
			if n := len(utf16.Encode([]rune(p))); n > limit || !utf8.ValidString(p) || strings.TrimSpace(p) == "" {
				t.Fatalf("limit %d: bad part %q (%d units)", limit, p, n)
			}
		}
		if got, want := strings.Join(parts, ""), text; strings.Join(strings.Fields(got), "") != strings.Join(strings.Fields(want), "") {
			t.Fatalf("limit %d: text changed:\n%q\n%q", limit, want, got)
		}
	}
}
