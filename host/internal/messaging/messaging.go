package messaging

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/inbox"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/wire"
)

// Defaults.
const (
	DefaultMinPollInterval = time.Second
	DefaultMaxBackoff      = time.Minute
	maxTraceText           = 200
)

// Plugin is a loaded messaging plugin; *plugin.Plugin implements it.
type Plugin interface {
	CallOp(ctx context.Context, op abi.OpName, req, resp any) error
}

// Channel is one messaging plugin under its name (the plugin name, e.g.
// "telegram" or "email").
type Channel struct {
	Name   string
	Plugin Plugin
	// Address is the kind of chat id the channel takes, for routing a
	// bare target (see Resolve); "" routes bare targets only when it is
	// the only channel.
	Address AddressKind
}

// AddressKind is the shape of the chat ids a channel takes.
type AddressKind string

// Address kinds.
const (
	// AddressChat is a chat id: an integer (Telegram's "4242",
	// "-1001234567890") or a public @username.
	AddressChat AddressKind = "chat id"
	// AddressEmail is an e-mail address (a channel speaking mail).
	AddressEmail AddressKind = "e-mail address"
)

func (k AddressKind) withArticle() string {
	if k == AddressEmail {
		return "an " + string(k)
	}
	return "a " + string(k)
}

// AddressOf says which kind of chat id target is ("" when neither): an
// integer or a public @username (Telegram's chat ids), or an addr-spec
// (RFC 5322 local-part@domain, without comments or display name).
func AddressOf(target string) AddressKind {
	if isChatID(target) {
		return AddressChat
	}
	local, domain, ok := strings.Cut(target, "@")
	if ok && local != "" && !strings.ContainsAny(local, " \t\r\n<>(),;:\"[]@") && isDomain(domain) {
		return AddressEmail
	}
	return ""
}

// isChatID: an integer of at most 20 digits, optionally negative, or a
// Telegram @username (5–32 characters: a letter, then letters, digits, _).
func isChatID(s string) bool {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		if len(name) < 5 || len(name) > 32 || !isLetter(name[0]) {
			return false
		}
		return strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == ""
	}
	digits := strings.TrimPrefix(s, "-")
	return digits != "" && len(digits) <= 20 && strings.Trim(digits, "0123456789") == ""
}

// isDomain: two or more dot-separated labels of letters, digits and
// inner hyphens.
func isDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return false
		}
	}
	return true
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// Handler receives incoming messages. A non-empty reply is sent back to the
// message's chat (in its thread for e-mail).
type Handler interface {
	Handle(ctx context.Context, msg abi.Message) (reply string, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, msg abi.Message) (string, error)

// Handle implements Handler.
func (f HandlerFunc) Handle(ctx context.Context, msg abi.Message) (string, error) { return f(ctx, msg) }

// EchoHandler is the default Handler: it logs each message and, when Reply
// is set, answers "Received: <text>".
type EchoHandler struct {
	Logger hclog.Logger
	Reply  bool
}

// Handle implements Handler.
func (h EchoHandler) Handle(_ context.Context, msg abi.Message) (string, error) {
	if h.Logger != nil {
		h.Logger.Info("message received", "channel", msg.Channel, "chat_id", msg.ChatID, "user", msg.UserName,
			"chars", len(msg.Text), "unverified", msg.Unverified)
	}
	if !h.Reply {
		return "", nil
	}
	return "Received: " + msg.Text, nil
}

// Tracer records trace entries; *trace.Tracer implements it.
type Tracer interface {
	RecordContext(ctx context.Context, e trace.Entry)
}

// Options configures a Router.
type Options struct {
	// Channels are the messaging plugins (names must be unique).
	Channels []Channel
	// Handler receives incoming messages (default: EchoHandler that logs).
	Handler Handler
	// Gate is the sandbox gate; nil means sandbox mode is off.
	Gate *sandbox.Gate
	// Logger receives routing logs. Default: null.
	Logger hclog.Logger
	// Tracer, when set, records received, dropped and blocked messages and
	// replies.
	Tracer Tracer
	// MinPollInterval is the least time between two polls of a channel
	// when a poll returns nothing (default 1 s).
	MinPollInterval time.Duration
	// MaxBackoff caps the wait after failing polls (default 1 min).
	MaxBackoff time.Duration
	// PollMax is passed as PollRequest.Max (0: the plugin's default).
	PollMax int
	// Ledger records what became of each incoming message, so that a
	// message delivered again is not handled twice (see package inbox).
	// Default: a ledger in memory, which de-duplicates within the process
	// only.
	Ledger *inbox.Ledger
	// MaxAttempts is how often a message whose handler fails is delivered
	// again before the host gives up on it (default 3).
	MaxAttempts int
}

// Router sends through and polls messaging channels. It is safe for
// concurrent use.
type Router struct {
	opts     Options
	log      hclog.Logger
	channels map[string]Plugin
	kinds    map[string]AddressKind
	names    []string
	running  sync.Mutex
	ledger   *inbox.Ledger

	mu       sync.Mutex
	acks     map[string]string // channel → cursor to acknowledge in the next poll
	attempts map[[2]string]int // channel, message id → failed handler runs
}

// ErrUnhandled is returned by PollOnce when some messages of the batch
// could not be handled yet: the batch is not acknowledged, so the plugin
// delivers them again, and the poll loop backs off.
var ErrUnhandled = errors.New("messages not handled yet")

// resentPrefix marks a reply sent again after a crash interrupted its
// first send, which may or may not have reached the chat.
const resentPrefix = "(Sent again after a restart; you may have received this already.)\n"

// SendResult is the result of Send, shaped like the reference's
// machina_send_message result.
type SendResult struct {
	// Status is "sent", or "blocked" in sandbox mode.
	Status string `json:"status"`
	// Channel is the target as the caller gave it.
	Channel   string `json:"channel"`
	ChatID    string `json:"chat_id,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Parts     int    `json:"parts,omitempty"`
	// Description and Metadata are set when the sandbox blocked the send.
	Description string            `json:"description,omitempty"`
	Metadata    *sandbox.Metadata `json:"metadata,omitempty"`
}

// ErrNoChannel is returned when no messaging channel is configured.
var ErrNoChannel = errors.New("no messaging channel is configured (load the telegram or email plugin)")

// New returns a Router.
func New(opts Options) (*Router, error) {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Handler == nil {
		opts.Handler = EchoHandler{Logger: opts.Logger}
	}
	if opts.MinPollInterval <= 0 {
		opts.MinPollInterval = DefaultMinPollInterval
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	ledger := opts.Ledger
	if ledger == nil {
		ledger, _, _ = inbox.Open(inbox.Options{}) // in memory: cannot fail
	}
	r := &Router{opts: opts, log: opts.Logger, channels: map[string]Plugin{}, kinds: map[string]AddressKind{}, ledger: ledger,
		acks: map[string]string{}, attempts: map[[2]string]int{}}
	for _, c := range opts.Channels {
		if !wire.ValidName(c.Name) || c.Plugin == nil {
			return nil, fmt.Errorf("messaging: invalid channel %q", c.Name)
		}
		if _, dup := r.channels[c.Name]; dup {
			return nil, fmt.Errorf("messaging: channel %q configured twice", c.Name)
		}
		r.channels[c.Name] = c.Plugin
		r.kinds[c.Name] = c.Address
		r.names = append(r.names, c.Name)
	}
	sort.Strings(r.names)
	return r, nil
}

// Channels returns the channel names, sorted.
func (r *Router) Channels() []string { return append([]string(nil), r.names...) }

// Resolve splits a target into channel and chat id (see the package
// documentation).
func (r *Router) Resolve(target string) (channel, chatID string, err error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return "", "", abi.InvalidArgument("channel is empty: want <channel>:<chat id> (channels: %s)", strings.Join(r.names, ", "))
	}
	if len(r.names) == 0 {
		return "", "", ErrNoChannel
	}
	if name, id, ok := strings.Cut(target, ":"); ok {
		if _, known := r.channels[name]; known {
			if strings.TrimSpace(id) == "" {
				return "", "", abi.InvalidArgument("channel %q: the chat id after %q is empty", target, name+":")
			}
			return name, strings.TrimSpace(id), nil
		}
	}
	if len(r.names) == 1 {
		return r.names[0], target, nil
	}
	kind := AddressOf(target)
	var fits []string
	for _, n := range r.names {
		if kind != "" && r.kinds[n] == kind {
			fits = append(fits, n)
		}
	}
	switch {
	case len(fits) == 1:
		return fits[0], target, nil
	case kind == "":
		return "", "", abi.InvalidArgument("channel %q is neither a chat id nor an e-mail address: write <channel>:<chat id> with one of %s",
			target, strings.Join(r.names, ", "))
	case len(fits) == 0:
		return "", "", abi.InvalidArgument("channel %q is %s but no configured channel takes one: write <channel>:<chat id> with one of %s",
			target, kind.withArticle(), strings.Join(r.names, ", "))
	}
	return "", "", abi.InvalidArgument("channel %q is ambiguous: several channels take %s (%s); write <channel>:<chat id>",
		target, kind.withArticle(), strings.Join(fits, ", "))
}

// SendTo sends text to chatID through the named channel's plugin
// (operation send), or returns the sandbox's blocked result without
// calling it.
func (r *Router) SendTo(ctx context.Context, channel, chatID, text string) (SendResult, error) {
	if _, ok := r.channels[channel]; !ok {
		if len(r.names) == 0 {
			return SendResult{}, ErrNoChannel
		}
		return SendResult{}, abi.InvalidArgument("unknown channel %q (channels: %s)", channel, strings.Join(r.names, ", "))
	}
	if strings.TrimSpace(chatID) == "" {
		return SendResult{}, abi.InvalidArgument("chat id is empty")
	}
	res, err := r.send(ctx, channel, abi.SendRequest{ChatID: strings.TrimSpace(chatID), Text: text}, "send_message")
	res.Channel = channel + ":" + strings.TrimSpace(chatID)
	return res, err
}

// Send is SendTo for machina_send_message's single channel argument:
// target is "<channel>:<chat id>" or a bare chat id (see Resolve). The
// result's Channel is the target as given.
func (r *Router) Send(ctx context.Context, target, text string) (SendResult, error) {
	name, chat, err := r.Resolve(target)
	if err != nil {
		return SendResult{}, err
	}
	res, err := r.SendTo(ctx, name, chat, text)
	res.Channel = target
	return res, err
}

// Reply sends text to the chat (and thread) of an incoming message.
func (r *Router) Reply(ctx context.Context, to abi.Message, text string) (SendResult, error) {
	if _, ok := r.channels[to.Channel]; !ok {
		return SendResult{}, abi.InvalidArgument("unknown channel %q", to.Channel)
	}
	res, err := r.send(ctx, to.Channel, abi.SendRequest{ChatID: to.ChatID, Text: text, Subject: to.Subject, ThreadID: to.ThreadID}, "message_reply")
	res.Channel = to.Channel + ":" + to.ChatID
	return res, err
}

func (r *Router) send(ctx context.Context, name string, req abi.SendRequest, action string) (SendResult, error) {
	if strings.TrimSpace(req.Text) == "" {
		return SendResult{}, abi.InvalidArgument("text is empty")
	}
	if r.opts.Gate.Blocks(abi.OpSend) {
		r.opts.Gate.Block(abi.OpSend, "channel", name)
		b := sandbox.SendResponse()
		r.trace(ctx, trace.Entry{Action: action, Connector: name, Operation: string(abi.OpSend), Success: true,
			InputSummary: summary(req.Text), OutputSummary: b.Description, Metadata: map[string]any{"sandbox": true, "chat_id": req.ChatID}})
		return SendResult{Status: b.Status, ChatID: req.ChatID, Description: b.Description, Metadata: &sandbox.Metadata{Sandbox: true}}, nil
	}
	start := time.Now()
	var resp abi.SendResponse
	err := r.channels[name].CallOp(ctx, abi.OpSend, req, &resp)
	if action == "message_reply" {
		// Tool calls are traced by the surface that made them; replies of
		// the poll loop are traced here.
		e := trace.Entry{Action: action, Connector: name, Operation: string(abi.OpSend), Success: err == nil,
			InputSummary: summary(req.Text), DurationMS: float64(time.Since(start).Microseconds()) / 1000,
			Metadata: map[string]any{"chat_id": req.ChatID, "parts": resp.Parts}}
		if err != nil {
			e.Error = err.Error()
		}
		r.trace(ctx, e)
	}
	if err != nil {
		return SendResult{}, err
	}
	return SendResult{Status: "sent", ChatID: resp.ChatID, MessageID: resp.MessageID, Parts: resp.Parts}, nil
}

// PollOnce polls one channel once and handles what it returns: each new
// message goes to the Handler and a non-empty reply is sent back; each
// refusal is traced. Messages the ledger has settled are skipped. When the
// whole batch is handled, its cursor (ABI 1.4) is acknowledged in the next
// poll; otherwise PollOnce returns ErrUnhandled and the plugin delivers the
// rest again. It returns the number of messages received.
func (r *Router) PollOnce(ctx context.Context, channel string) (int, error) {
	p, ok := r.channels[channel]
	if !ok {
		return 0, abi.InvalidArgument("unknown channel %q", channel)
	}
	r.mu.Lock()
	ack := r.acks[channel]
	r.mu.Unlock()
	var resp abi.PollResponse
	if err := p.CallOp(ctx, abi.OpPoll, abi.PollRequest{Max: r.opts.PollMax, Ack: ack}, &resp); err != nil {
		return 0, err // the acknowledgement stays due: committing it twice is harmless
	}
	pending := 0
	for _, d := range resp.Dropped {
		if !r.refuse(ctx, channel, d) {
			pending++
		}
	}
	for _, m := range resp.Messages {
		if !r.deliver(ctx, channel, m) {
			pending++
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if pending > 0 {
		delete(r.acks, channel)
		return len(resp.Messages), fmt.Errorf("%w: %d of %d on %s", ErrUnhandled, pending, len(resp.Messages)+len(resp.Dropped), channel)
	}
	r.acks[channel] = resp.Cursor
	return len(resp.Messages), nil
}

// refuse traces a message the plugin dropped, once per id, and sends the
// automatic reply the plugin asked for (ABI 1.5) like an answer: recorded
// before it is sent, so a redelivery sends it at most once more only when
// a crash interrupted the send. It reports whether the entry is settled
// (false: its reply failed and the batch is delivered again).
func (r *Router) refuse(ctx context.Context, channel string, d abi.Dropped) bool {
	to := abi.Message{Channel: channel, ChatID: d.ChatID, ID: d.ID}
	if d.Reply != nil {
		to.ThreadID = d.Reply.ThreadID
	}
	if d.ID != "" {
		if rec, seen := r.ledger.Get(channel, d.ID); seen {
			if rec.State.Settled() {
				return true
			}
			return r.answer(ctx, to, rec.Reply, rec.Recovered)
		}
	}
	r.log.Warn("message dropped by the channel", "channel", channel, "chat_id", d.ChatID, "reason", d.Reason)
	r.trace(ctx, trace.Entry{Action: "message_dropped", Connector: channel, Operation: string(abi.OpPoll), Success: true,
		Metadata: map[string]any{"chat_id": d.ChatID, "reason": d.Reason, "message_id": d.ID}})
	if d.ID == "" {
		if d.Reply != nil {
			r.log.Warn("automatic reply ignored: the dropped entry has no id to send it once by", "channel", channel, "chat_id", d.ChatID)
		}
		return true
	}
	if d.Reply == nil || strings.TrimSpace(d.Reply.Text) == "" {
		r.record(channel, d.ID, inbox.Refused, "")
		return true
	}
	r.record(channel, d.ID, inbox.Replying, d.Reply.Text)
	return r.answer(ctx, to, d.Reply.Text, false)
}

// deliver handles one message unless the ledger says it was; it reports
// whether the message is settled (false: deliver it again later).
func (r *Router) deliver(ctx context.Context, channel string, m abi.Message) bool {
	if m.Channel == "" {
		m.Channel = channel
	}
	if m.Channel != channel {
		r.log.Warn("plugin returned a message for another channel; relabelled", "channel", channel, "claimed", m.Channel)
		m.Channel = channel
	}
	if m.ID != "" {
		if rec, seen := r.ledger.Get(channel, m.ID); seen {
			if rec.State.Settled() {
				r.trace(ctx, trace.Entry{Action: "message_duplicate", Connector: channel, Operation: string(abi.OpPoll), Success: true,
					ClientID: channel + ":" + m.UserID, Metadata: map[string]any{"chat_id": m.ChatID, "message_id": m.ID, "state": string(rec.State)}})
				return true
			}
			// Replying: the reply exists; send it, never produce it again.
			return r.answer(ctx, m, rec.Reply, rec.Recovered)
		}
	}
	r.trace(ctx, trace.Entry{Action: "message_received", Connector: channel, Operation: string(abi.OpPoll), Success: true,
		ClientID: channel + ":" + m.UserID, InputSummary: summary(m.Text),
		Metadata: map[string]any{"chat_id": m.ChatID, "message_id": m.ID, "unverified": m.Unverified}})
	reply, err := r.opts.Handler.Handle(ctx, m)
	if err != nil {
		return r.handlerFailed(ctx, m, err)
	}
	if strings.TrimSpace(reply) == "" {
		r.record(channel, m.ID, inbox.Handled, "")
		return true
	}
	r.record(channel, m.ID, inbox.Replying, reply)
	return r.answer(ctx, m, reply, false)
}

// handlerFailed decides whether a message whose handler failed is
// delivered again (up to MaxAttempts) or given up.
func (r *Router) handlerFailed(ctx context.Context, m abi.Message, err error) bool {
	if ctx.Err() != nil {
		return false // stopping: the next run handles it
	}
	k := [2]string{m.Channel, m.ID}
	r.mu.Lock()
	r.attempts[k]++
	n := r.attempts[k]
	if n >= r.opts.MaxAttempts || m.ID == "" {
		delete(r.attempts, k)
	}
	r.mu.Unlock()
	if n < r.opts.MaxAttempts && m.ID != "" {
		r.log.Warn("message handler failed; the message will be delivered again", "channel", m.Channel, "chat_id", m.ChatID,
			"attempt", n, "error", err)
		return false
	}
	r.log.Error("message handler failed; giving up on the message", "channel", m.Channel, "chat_id", m.ChatID, "attempts", n, "error", err)
	r.trace(ctx, trace.Entry{Action: "message_failed", Connector: m.Channel, Operation: string(abi.OpPoll), Error: err.Error(),
		ClientID: m.Channel + ":" + m.UserID, Metadata: map[string]any{"chat_id": m.ChatID, "message_id": m.ID, "attempts": n}})
	r.record(m.Channel, m.ID, inbox.Failed, "")
	return true
}

// answer sends a recorded reply and settles the message; a reply that a
// crash may have sent already is marked as sent again. A refused send
// (invalid_argument, not_found) settles the message as failed; any other
// failure leaves it to be delivered and answered again.
func (r *Router) answer(ctx context.Context, m abi.Message, reply string, resent bool) bool {
	text := reply
	if resent {
		text = resentPrefix + reply
	}
	if _, err := r.Reply(ctx, m, text); err != nil {
		switch abi.AsError(err).Code {
		case abi.CodeInvalidArgument, abi.CodeNotFound:
			r.log.Error("reply refused; giving up on the message", "channel", m.Channel, "chat_id", m.ChatID, "error", err)
			r.record(m.Channel, m.ID, inbox.Failed, "")
			return true
		}
		r.log.Error("reply failed; it will be sent again", "channel", m.Channel, "chat_id", m.ChatID, "error", err)
		return false
	}
	r.record(m.Channel, m.ID, inbox.Answered, "")
	return true
}

// record writes a message's state to the ledger (nothing for a message
// without an id). A write error is logged: the state is still held in
// memory, so only a crash on top of it could repeat the message.
func (r *Router) record(channel, id string, s inbox.State, reply string) {
	if id == "" {
		return
	}
	if err := r.ledger.Set(channel, id, s, reply); err != nil {
		r.log.Error("inbox ledger write failed: a crash now could answer this message twice", "channel", channel, "error", err)
	}
}

// Run polls every channel until ctx ends, one loop per channel. It returns
// ctx's error; calling it twice at once is an error.
func (r *Router) Run(ctx context.Context) error {
	if !r.running.TryLock() {
		return errors.New("messaging: Run is already running")
	}
	defer r.running.Unlock()
	if len(r.names) == 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	var wg sync.WaitGroup
	for _, name := range r.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(ctx, name)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// loop polls one channel with backoff.
func (r *Router) loop(ctx context.Context, name string) {
	var backoff time.Duration
	for ctx.Err() == nil {
		start := time.Now()
		n, err := r.PollOnce(ctx, name)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			backoff = min(max(2*backoff, time.Second), r.opts.MaxBackoff)
			wait = backoff
			if errors.Is(err, ErrUnhandled) {
				r.log.Warn("batch not fully handled; it will be delivered again", "channel", name, "error", err, "retry_in", backoff)
			} else {
				r.log.Warn("poll failed; backing off", "channel", name, "error", err, "retry_in", backoff)
			}
		default:
			backoff = 0
			if el := time.Since(start); n == 0 && el < r.opts.MinPollInterval {
				wait = r.opts.MinPollInterval - el
			}
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

func (r *Router) trace(ctx context.Context, e trace.Entry) {
	if r.opts.Tracer != nil {
		r.opts.Tracer.RecordContext(ctx, e)
	}
}

func summary(s string) string {
	if len(s) <= maxTraceText {
		return s
	}
	cut := maxTraceText
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
