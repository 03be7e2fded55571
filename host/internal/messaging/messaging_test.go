package messaging_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/conformance"
	"github.com/machina-go/machina/host/internal/inbox"
	"github.com/machina-go/machina/host/internal/messaging"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/host/internal/trace"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
	"github.com/machina-go/machina/internal/syncbuf"
)

// syncBuf is a goroutine-safe log sink.
type syncBuf = syncbuf.Buffer

// world is one or both messaging plugins loaded as wasm through the real
// policy host against their simulators.
type world struct {
	logs     *syncBuf
	logger   hclog.Logger
	tracer   *trace.Tracer
	traceDir string
	gate     *sandbox.Gate
	engine   *plugin.Engine
	sims     map[string]*conformance.MessagingSim
	loaded   map[string]*pluginload.Loaded
	ledger   *inbox.Ledger // the routers' ledger (nil: in memory)
}

func newWorld(t testing.TB, names ...string) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{logs: &syncBuf{}, gate: sandbox.New(false, nil), sims: map[string]*conformance.MessagingSim{}, loaded: map[string]*pluginload.Loaded{}}
	w.logger = hclog.New(&hclog.LoggerOptions{Name: "machina", Output: w.logs, Level: hclog.Trace})
	w.gate = sandbox.New(false, w.logger.Named("sandbox"))
	w.traceDir = filepath.Join(dir, "traces")
	var err error
	if w.tracer, err = trace.New(trace.Options{Dir: w.traceDir}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.tracer.Close(context.Background()) })
	if w.engine, err = plugin.NewEngine(plugin.EngineOptions{CacheDir: testplugin.CacheDir(t)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.engine.Close(context.Background()) })
	for _, n := range names {
		sim, err := conformance.StartMessagingSim(n, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sim.Close() })
		l, err := sim.LoadMessaging(context.Background(), conformance.MessagingLoad{
			Wasm: testplugin.Build(t, "plugins/"+n), Engine: w.engine, DataDir: filepath.Join(dir, "state-"+n),
			Gate: w.gate, Logs: w.logs, Tracer: w.tracer,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close(context.Background()) })
		w.sims[n], w.loaded[n] = sim, l
	}
	return w
}

func (w *world) router(t testing.TB, h messaging.Handler) *messaging.Router {
	t.Helper()
	var chans []messaging.Channel
	for n, l := range w.loaded {
		chans = append(chans, messaging.Channel{Name: n, Plugin: l.Plugin})
	}
	r, err := messaging.New(messaging.Options{Channels: chans, Handler: h, Gate: w.gate, Logger: w.logger.Named("messaging"),
		Tracer: w.tracer, MinPollInterval: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Ledger: w.ledger})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// recorder is a Handler that records messages and replies with a fixed
// prefix.
type recorder struct {
	mu   sync.Mutex
	msgs []abi.Message
	got  chan abi.Message
}

func newRecorder() *recorder { return &recorder{got: make(chan abi.Message, 16)} }

func (r *recorder) Handle(_ context.Context, m abi.Message) (string, error) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.got <- m
	return "Received: " + m.Text, nil
}

func (r *recorder) json() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, _ := json.Marshal(r.msgs)
	return string(b)
}

func TestResolve(t *testing.T) {
	one, _ := messaging.New(messaging.Options{Channels: []messaging.Channel{{Name: "telegram", Plugin: nopPlugin{}}}})
	two, _ := messaging.New(messaging.Options{Channels: []messaging.Channel{{Name: "telegram", Plugin: nopPlugin{}}, {Name: "email", Plugin: nopPlugin{}}}})
	none, _ := messaging.New(messaging.Options{})
	cases := []struct {
		r          *messaging.Router
		target     string
		ch, id     string
		shouldFail bool
	}{
		{one, "telegram:123", "telegram", "123", false},
		{one, "-100123", "telegram", "-100123", false},
		{one, "telegram:", "", "", true},
		{two, "email:ann@plant.test", "email", "ann@plant.test", false},
		{two, "telegram:-5", "telegram", "-5", false},
		{two, "ann@plant.test", "", "", true},
		{two, "slack:C1", "", "", true},
		{two, "", "", "", true},
		{none, "telegram:1", "", "", true},
	}
	for _, c := range cases {
		ch, id, err := c.r.Resolve(c.target)
		if (err != nil) != c.shouldFail || ch != c.ch || id != c.id {
			t.Errorf("Resolve(%q) = %q, %q, %v", c.target, ch, id, err)
		}
	}
	if _, err := messaging.New(messaging.Options{Channels: []messaging.Channel{{Name: "x", Plugin: nopPlugin{}}, {Name: "x", Plugin: nopPlugin{}}}}); err == nil {
		t.Error("duplicate channel accepted")
	}
}

// TestResolveBareTargetByShape: with a chat channel and a mail channel, a
// bare target goes where its shape says, as machina_send_message's schema
// promises ("Telegram chat id or email address"). Shapes from the Telegram
// Bot API (sendMessage chat_id: "Integer or String — unique identifier for
// the target chat or username of the target channel (in the format
// @channelusername)"; usernames are 5-32 characters) and RFC 5322
// addr-spec.
func TestResolveBareTargetByShape(t *testing.T) {
	typed, _ := messaging.New(messaging.Options{Channels: []messaging.Channel{
		{Name: "telegram", Plugin: nopPlugin{}, Address: messaging.AddressChat},
		{Name: "email", Plugin: nopPlugin{}, Address: messaging.AddressEmail}}})
	twoChats, _ := messaging.New(messaging.Options{Channels: []messaging.Channel{
		{Name: "telegram", Plugin: nopPlugin{}, Address: messaging.AddressChat},
		{Name: "telegram-ops", Plugin: nopPlugin{}, Address: messaging.AddressChat}}})
	for _, c := range []struct {
		r      *messaging.Router
		target string
		ch     string // "" = refused
		why    string
	}{
		{typed, "4242", "telegram", ""},
		{typed, "-1001234567890", "telegram", ""},
		{typed, "@plant_channel", "telegram", ""},
		{typed, "tech@plant.example", "email", ""},
		{typed, "email:tech@plant.example", "email", ""},
		{typed, "telegram:4242", "telegram", ""},
		{typed, "Ann Smith", "", "neither a chat id nor an e-mail address"},
		{typed, "@ab", "", "neither"},
		{twoChats, "4242", "", "ambiguous"},
		{twoChats, "tech@plant.example", "", "no configured channel takes one"},
	} {
		ch, id, err := c.r.Resolve(c.target)
		if c.ch == "" {
			if err == nil || !strings.Contains(err.Error(), c.why) {
				t.Errorf("Resolve(%q) = %q, %v; want an error saying %q", c.target, ch, err, c.why)
			}
			continue
		}
		if err != nil || ch != c.ch || (id != c.target && !strings.HasSuffix(c.target, ":"+id)) {
			t.Errorf("Resolve(%q) = %q, %q, %v; want channel %s", c.target, ch, id, err, c.ch)
		}
	}
}

// failing is a channel whose upstream is down (routing logic only).
type failing struct{}

func (failing) CallOp(context.Context, abi.OpName, any, any) error {
	return abi.Unavailable("upstream down")
}

// nopPlugin is only used by the pure Resolve test (no call is made).
type nopPlugin struct{}

func (nopPlugin) CallOp(context.Context, abi.OpName, any, any) error {
	return abi.Internal("not called")
}

func TestTelegramPollReplyAndSend(t *testing.T) {
	w := newWorld(t, "telegram")
	tg := w.sims["telegram"].Telegram
	rec := newRecorder()
	r := w.router(t, rec)
	ctx := context.Background()
	tg.InjectText(conformance.MessagingChatID, simtg.User{ID: conformance.MessagingChatID, FirstName: "Ann"}, "Pump P-101 leaks")
	tg.InjectText(conformance.MessagingOtherChat, simtg.User{ID: conformance.MessagingOtherChat, FirstName: "Eve"}, "hello")
	n := 0
	for i := 0; i < 5 && n == 0; i++ {
		var err error
		if n, err = r.PollOnce(ctx, "telegram"); err != nil {
			t.Fatal(err)
		}
	}
	if n != 1 {
		t.Fatalf("received %d", n)
	}
	sent := tg.Sent()
	if len(sent) != 1 || sent[0].ChatID != "4242" || sent[0].Text != "Received: Pump P-101 leaks" {
		t.Fatalf("reply = %+v", sent)
	}
	res, err := r.Send(ctx, "telegram:4242", "WO-7 created")
	if err != nil || res.Status != "sent" || res.Channel != "telegram:4242" || res.MessageID == "" {
		t.Fatalf("send = %+v, %v", res, err)
	}
	if res, err := r.Send(ctx, "4242", "bare id"); err != nil || res.Status != "sent" {
		t.Fatalf("bare send = %+v, %v", res, err)
	}
	if _, err := r.SendTo(ctx, "telegram", "666", "not allowed"); err == nil {
		t.Fatal("send to a disallowed chat succeeded")
	}
	w.tracer.Close(ctx)
	entries := readTrace(t, w.traceDir)
	if !strings.Contains(entries, `"action":"message_dropped"`) || !strings.Contains(entries, `"reason":"chat_not_allowed"`) {
		t.Fatalf("dropped message not traced:\n%s", entries)
	}
}

// refusing is a Handler that always fails, so the batch stays unacknowledged.
type refusing struct{}

func (refusing) Handle(context.Context, abi.Message) (string, error) {
	return "", errors.New("agent down")
}

// TestAutomaticRepliesSentOnceByHost: the Telegram plugin answers /start
// and non-text messages ("I can only read text messages.", per
// plugins/telegram/README.md) but poll is a read operation, so the host
// sends those answers through send (ABI 1.5 Dropped.Reply): exactly once,
// although the batch is delivered again — unacknowledged while a handler
// fails, and to a restarted host with the same inbox ledger.
func TestAutomaticRepliesSentOnceByHost(t *testing.T) {
	w := newWorld(t, "telegram")
	tg := w.sims["telegram"].Telegram
	ctx := context.Background()
	ann := simtg.User{ID: conformance.MessagingChatID, FirstName: "Ann"}
	tg.InjectText(conformance.MessagingChatID, ann, "/start")
	tg.Inject(simtg.Message{From: &ann, Chat: simtg.Chat{ID: conformance.MessagingChatID}, Sticker: json.RawMessage(`{"file_id":"x"}`)})
	tg.InjectText(conformance.MessagingChatID, ann, "Pump P-101 leaks")
	path := filepath.Join(t.TempDir(), "inbox.jsonl")
	open := func() {
		l, _, err := inbox.Open(inbox.Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		w.ledger = l
	}
	open()
	r := w.router(t, refusing{})
	for unhandled := 0; unhandled < 2; {
		if _, err := r.PollOnce(ctx, "telegram"); errors.Is(err, messaging.ErrUnhandled) {
			unhandled++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if sent := tg.Sent(); len(sent) != 2 {
		t.Fatalf("after two deliveries: sent %+v, want the greeting and the text-only answer once", sent)
	}
	w.ledger.Close()
	open() // a restarted host: nothing acknowledged, the same ledger
	defer w.ledger.Close()
	r = w.router(t, newRecorder())
	for n := 0; n == 0; {
		var err error
		if n, err = r.PollOnce(ctx, "telegram"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.PollOnce(ctx, "telegram"); err != nil { // acknowledges
		t.Fatal(err)
	}
	sent := tg.Sent()
	texts := []string{}
	for _, s := range sent {
		if s.ChatID != "4242" {
			t.Fatalf("sent to %s: %+v", s.ChatID, s)
		}
		texts = append(texts, s.Text)
	}
	if len(sent) != 3 || texts[0] == "" || strings.HasPrefix(texts[0], "/") || texts[1] != "I can only read text messages." ||
		texts[2] != "Received: Pump P-101 leaks" {
		t.Fatalf("sent %q, want the greeting, the text-only answer and the reply, once each", texts)
	}
	w.tracer.Close(ctx)
	if got := strings.Count(readTrace(t, w.traceDir), `"action":"message_reply"`); got != 3 {
		t.Fatalf("%d message_reply traces, want 3", got)
	}
}

func TestSandboxBlocksSendsAndReplies(t *testing.T) {
	w := newWorld(t, "telegram")
	tg := w.sims["telegram"].Telegram
	w.gate.Set(true)
	r := w.router(t, messaging.EchoHandler{Reply: true})
	ctx := context.Background()
	res, err := r.Send(ctx, "telegram:4242", "must not leave")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	want := `{"status":"blocked","channel":"telegram:4242","chat_id":"4242","description":"[SANDBOX — no real message sent]","metadata":{"sandbox":true}}`
	if string(b) != want {
		t.Fatalf("blocked result = %s\nwant %s", b, want)
	}
	// The /start greeting (an automatic reply, ABI 1.5) is a send too.
	tg.InjectText(conformance.MessagingChatID, simtg.User{ID: conformance.MessagingChatID, FirstName: "Ann"}, "/start")
	tg.InjectText(conformance.MessagingChatID, simtg.User{ID: conformance.MessagingChatID, FirstName: "Ann"}, "hi")
	n := 0
	for i := 0; i < 5 && n == 0; i++ {
		n, err = r.PollOnce(ctx, "telegram")
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 1 || len(tg.Sent()) != 0 || tg.Calls("sendMessage") != 0 {
		t.Fatalf("sandbox: received %d, sent %+v", n, tg.Sent())
	}
	if !strings.Contains(w.logs.String(), "sandbox_write_blocked") {
		t.Fatal("sandbox_write_blocked not logged")
	}
	if got := strings.Count(w.logs.String(), "sandbox_write_blocked"); got < 3 {
		t.Fatalf("%d sandbox_write_blocked logs, want the send, the greeting and the reply", got)
	}
}

func TestEmailReplyInThreadThroughRouter(t *testing.T) {
	w := newWorld(t, "email")
	ms := w.sims["email"].Mail
	r := w.router(t, messaging.EchoHandler{Reply: true})
	ctx := context.Background()
	raw := "From: Tech <" + conformance.MessagingTechAddr + ">\r\nTo: " + conformance.MessagingBotAddress +
		"\r\nSubject: Valve V-3\r\nMessage-ID: <v3@plant.test>\r\n\r\nValve V-3 is stuck.\r\n-- \r\nTech\r\n"
	if err := ms.Deliver(conformance.MessagingBotAddress, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	if n, err := r.PollOnce(ctx, "email"); err != nil || n != 1 {
		t.Fatalf("poll = %d, %v", n, err)
	}
	got, err := ms.WaitReceived(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := string(got[0].Data)
	for _, s := range []string{"Subject: Re: Valve V-3", "In-Reply-To: <v3@plant.test>", "Received: Valve V-3 is stuck."} {
		if !strings.Contains(d, s) {
			t.Errorf("reply lacks %q:\n%s", s, d)
		}
	}
	if strings.Contains(d, "Received: Valve V-3 is stuck.\r\n-- ") {
		t.Error("signature was not stripped")
	}
}

func TestRunDeliversAndStops(t *testing.T) {
	w := newWorld(t, "telegram", "email")
	tg := w.sims["telegram"].Telegram
	rec := newRecorder()
	// A channel whose polls keep failing must not hold up the others.
	chans := []messaging.Channel{{Name: "broken", Plugin: failing{}}}
	for n, l := range w.loaded {
		chans = append(chans, messaging.Channel{Name: n, Plugin: l.Plugin})
	}
	r, err := messaging.New(messaging.Options{Channels: chans, Handler: rec, Logger: w.logger, MinPollInterval: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	tg.InjectText(conformance.MessagingChatID, simtg.User{ID: conformance.MessagingChatID, FirstName: "Ann"}, "via Run")
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	select {
	case m := <-rec.got:
		if m.Text != "via Run" || m.Channel != "telegram" {
			t.Fatalf("message = %+v", m)
		}
	case <-wctx.Done():
		t.Fatal("no message delivered by Run")
	}
	if _, err := tg.WaitSent(wctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !strings.Contains(w.logs.String(), "poll failed; backing off") {
			t.Error("the failing channel was not reported")
		}
		if err != context.Canceled {
			t.Fatalf("Run returned %v", err)
		}
	case <-wctx.Done():
		t.Fatal("Run did not stop")
	}
}

// TestSecretsNeverVisible runs both channels through the router, including
// error paths whose upstream answer echoes the token-bearing URL, and
// checks that neither the bot token nor the mail password appears in
// anything the plugins returned, the host logs (plugin logs included) or
// the traces.
func TestSecretsNeverVisible(t *testing.T) {
	w := newWorld(t, "telegram", "email")
	tg, ms := w.sims["telegram"].Telegram, w.sims["email"].Mail
	rec := newRecorder()
	r := w.router(t, rec)
	ctx := context.Background()
	var outputs []string
	note := func(v any, err error) {
		b, _ := json.Marshal(v)
		outputs = append(outputs, string(b))
		if err != nil {
			outputs = append(outputs, err.Error())
		}
	}
	tg.InjectText(conformance.MessagingChatID, simtg.User{ID: conformance.MessagingChatID, FirstName: "Ann"}, "hello")
	raw := "From: " + conformance.MessagingTechAddr + "\r\nTo: " + conformance.MessagingBotAddress + "\r\nSubject: s\r\nMessage-ID: <s1@plant.test>\r\n\r\nhello\r\n"
	_ = ms.Deliver(conformance.MessagingBotAddress, []byte(raw))
	for i := 0; i < 3; i++ {
		n, err := r.PollOnce(ctx, "telegram")
		note(n, err)
		n, err = r.PollOnce(ctx, "email")
		note(n, err)
	}
	// Upstream errors that echo the URL (and so the token).
	tg.Fail(simtg.Fault{Method: "sendMessage", Status: 400, Echo: true})
	note(r.SendTo(ctx, "telegram", "4242", "x"))
	tg.Fail(simtg.Fault{Method: "getUpdates", Status: 400, Echo: true})
	note(r.PollOnce(ctx, "telegram"))
	tg.Fail(simtg.Fault{Method: "getMe", Status: 502, Echo: true})
	var h abi.HealthResponse
	note(h, w.loaded["telegram"].Plugin.CallOp(ctx, abi.OpHealth, abi.HealthRequest{}, &h))
	note(h, nil)
	note(r.Send(ctx, "email:"+conformance.MessagingTechAddr, "reply"))
	// A wrong mail password: the error must not carry the real one.
	bad, err := w.sims["email"].LoadMessaging(ctx, conformance.MessagingLoad{Wasm: testplugin.Build(t, "plugins/email"), Engine: w.engine,
		DataDir: t.TempDir(), Secret: "wrong-password-value", Logs: w.logs, Tracer: w.tracer})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close(ctx)
	var pr abi.PollResponse
	note(pr, bad.Plugin.CallOp(ctx, abi.OpPoll, abi.PollRequest{}, &pr))
	outputs = append(outputs, rec.json())
	w.tracer.Close(ctx)
	haystacks := map[string]string{
		"plugin outputs": strings.Join(outputs, "\n"),
		"logs":           w.logs.String(),
		"traces":         readTrace(t, w.traceDir),
	}
	if !strings.Contains(haystacks["plugin outputs"], "hello") || !strings.Contains(haystacks["traces"], "plugin_http") {
		t.Fatalf("the test exercised nothing:\n%s", haystacks["plugin outputs"])
	}
	if !strings.Contains(haystacks["plugin outputs"], "Bad Request") {
		t.Fatalf("the echoing error path was not exercised:\n%s", haystacks["plugin outputs"])
	}
	for _, s := range []*conformance.MessagingSim{w.sims["telegram"], w.sims["email"]} {
		_, tokenSecret, _ := strings.Cut(s.Secret, ":")
		for _, v := range []string{s.Secret, tokenSecret, base64.StdEncoding.EncodeToString([]byte(s.Secret)), base64.StdEncoding.EncodeToString([]byte("\x00" + conformance.MessagingBotAddress + "\x00" + s.Secret))} {
			if v == "" {
				continue
			}
			for where, h := range haystacks {
				if strings.Contains(h, v) {
					t.Errorf("the %s secret appears in %s", s.Name, where)
				}
			}
		}
	}
}

func readTrace(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// TestAddressOf: the shapes of a bare machina_send_message target. Chat
// ids per the Telegram Bot API (sendMessage chat_id: an integer — groups
// and channels are negative, supergroups -100… — or "@channelusername";
// usernames are 5–32 characters of a-z, 0-9 and underscores); addresses
// per RFC 5322 addr-spec (local-part "@" domain).
func TestAddressOf(t *testing.T) {
	for target, want := range map[string]messaging.AddressKind{
		"4242": messaging.AddressChat, "-1001234567890": messaging.AddressChat, "@plant_techs": messaging.AddressChat,
		"tech@plant.example": messaging.AddressEmail, "first.last+wo@mail.plant-7.example": messaging.AddressEmail,
		"@abc": "", "Ann Smith": "", "tech@localhost": "", "tech@-bad.example": "", "<tech@plant.example>": "",
		"a b@plant.example": "", "123456789012345678901": "", "": "", "telegram:4242": "",
	} {
		if got := messaging.AddressOf(target); got != want {
			t.Errorf("AddressOf(%q) = %q, want %q", target, got, want)
		}
	}
}
