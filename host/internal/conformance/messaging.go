package conformance

// Messaging conformance: `machina plugin test` on a plugin whose manifest
// says kind = "messaging" runs these checks against the Telegram Bot API
// simulator (sim/telegram) or the SMTP/IMAP servers (sim/mail), chosen by
// --sim telegram|email or, by default, by the manifest (mail = true means
// e-mail).
//
// A messaging plugin talks to one fixed public service (its manifest
// requests https://api.telegram.org, not a loopback origin), so the kit
// maps each origin the manifest requests onto the simulator's loopback
// origin, with the same accepted auth profiles, and builds the real policy
// host (package policy) and mailer (package host/mail) from that: the
// plugin runs unmodified, the token is inserted by the url_path profile
// and the mail password is read from a secret registry, exactly as in
// `machina serve`.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/audit"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/sandbox"
	"github.com/machina-go/machina/host/internal/trace"
	simmail "github.com/machina-go/machina/internal/sim/mail"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
	"github.com/machina-go/machina/internal/wire"
)

// Messaging simulator names.
const (
	SimTelegram = "telegram"
	SimEmail    = "email"
)

// Fixed identities of the messaging simulators.
const (
	MessagingChatID     int64 = 4242
	MessagingOtherChat  int64 = 666
	MessagingBotAddress       = "machina@plant.test"
	MessagingTechAddr         = "tech@plant.test"
	MessagingOtherAddr        = "mallory@elsewhere.test"
)

// MessagingSim is a running messaging simulator with what the host needs
// to reach it: the grant, the plugin configuration and the generated
// secret.
type MessagingSim struct {
	// Name is SimTelegram or SimEmail.
	Name string
	// Telegram is set for SimTelegram, Mail for SimEmail.
	Telegram *simtg.Server
	Mail     *simmail.Server
	// Origin is the simulator's loopback origin (telegram only).
	Origin string
	// SecretName and Secret are the generated credential (bot token or
	// mail password) the host reads from its registry.
	SecretName string
	Secret     string
	// Grant is the operator grant for the simulator.
	Grant config.Grant
	// Config is the plugin configuration pointing at the simulator.
	Config map[string]any

	dir string
}

// StartMessagingSim starts the telegram or email simulator with a
// generated credential; dir holds its CA file.
func StartMessagingSim(name, dir string, logger hclog.Logger) (*MessagingSim, error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	secret := randomSecret()
	s := &MessagingSim{Name: name, Secret: secret, dir: dir}
	switch name {
	case SimTelegram:
		token := "7000001:" + secret
		tg, err := simtg.NewServer(simtg.Options{Token: token, Logger: logger})
		if err != nil {
			return nil, err
		}
		s.Telegram, s.Secret, s.SecretName, s.Origin = tg, token, "telegram_bot_token", tg.URL()
		s.Grant = config.Grant{
			HTTP: []config.OriginGrant{{Origin: tg.URL(), AllowPrivate: true,
				Auth: config.Auth{Profile: wire.AuthURLPath, TokenSecret: s.SecretName}}},
			KV:     config.KVGrant{QuotaBytes: 4096},
			Limits: config.Limits{Timeout: config.Duration{Duration: 30 * time.Second}},
		}
		s.Config = map[string]any{"base_url": tg.URL(), "allowed_chat_ids": []any{MessagingChatID},
			"poll_timeout_s": 1, "max_send_wait_s": 2}
	case SimEmail:
		m, err := simmail.Start(simmail.Options{Users: map[string]string{MessagingBotAddress: secret, MessagingTechAddr: randomSecret()}, Logger: logger})
		if err != nil {
			return nil, err
		}
		ca := filepath.Join(dir, "mail-ca.pem")
		if err := m.WriteCA(ca); err != nil {
			m.Close()
			return nil, err
		}
		s.Mail, s.SecretName = m, "mail_password"
		s.Grant = config.Grant{
			Mail: &config.MailGrant{SMTPAddr: m.SMTPStartTLSAddr, SMTPTLS: "starttls", IMAPAddr: m.IMAPImplicitAddr, IMAPTLS: "implicit",
				From: "Machina <" + MessagingBotAddress + ">", Username: MessagingBotAddress, PasswordSecret: s.SecretName,
				CAFile: ca, AllowPrivate: true, AllowedRecipients: []string{MessagingTechAddr}},
			KV:     config.KVGrant{QuotaBytes: 16384},
			Limits: config.Limits{Timeout: config.Duration{Duration: 30 * time.Second}},
		}
		s.Config = map[string]any{"allowed_senders": []any{MessagingTechAddr}}
	default:
		return nil, fmt.Errorf("unknown messaging simulator %q (want telegram or email)", name)
	}
	return s, nil
}

// Close stops the simulator.
func (s *MessagingSim) Close() error {
	if s.Telegram != nil {
		return s.Telegram.Close()
	}
	if s.Mail != nil {
		return s.Mail.Close()
	}
	return nil
}

// MessagingLoad says how to load a messaging plugin against a simulator.
type MessagingLoad struct {
	// Wasm is the module.
	Wasm []byte
	// Engine runs it.
	Engine *plugin.Engine
	// DataDir holds a copy of the module and the plugin's key-value file
	// (reuse it to "restart").
	DataDir string
	// Secret overrides the simulator's credential (e.g. a wrong one).
	Secret string
	// Gate is the sandbox gate (nil: off).
	Gate *sandbox.Gate
	// Logs receives host and plugin logs (default: discarded).
	Logs io.Writer
	// Tracer records the plugin's outbound HTTP requests.
	Tracer *trace.Tracer
}

// LoadMessaging loads a messaging plugin with the simulator's grant into a
// host built as `machina serve` builds it (app.Build), the manifest's
// requested origins mapped onto the simulator's origin. Closing the
// returned plugin releases the host, including the key-value store in
// DataDir.
func (s *MessagingSim) LoadMessaging(ctx context.Context, l MessagingLoad) (*pluginload.Loaded, error) {
	if l.Logs == nil {
		l.Logs = io.Discard
	}
	if l.Gate == nil {
		l.Gate = sandbox.New(false, nil)
	}
	rep, err := audit.Audit(l.Wasm, audit.Options{})
	if err != nil {
		return nil, err
	}
	module := filepath.Join(l.DataDir, "module.wasm")
	if err := os.MkdirAll(l.DataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(module, l.Wasm, 0o600); err != nil {
		return nil, err
	}
	secret := s.Secret
	if l.Secret != "" {
		secret = l.Secret
	}
	k := kitHost{
		Plugin:  config.Plugin{Name: rep.Name, Path: module, SHA256: rep.SHA256, Config: s.Config, Grant: s.Grant},
		Secrets: map[string]string{s.SecretName: secret}, DataDir: l.DataDir,
		Engine: l.Engine, Tracer: l.Tracer, Gate: l.Gate, Logs: l.Logs,
	}
	if s.Origin != "" {
		k.MapOrigin = func(string, string) string { return s.Origin }
	}
	_, pl, err := k.build(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range pl.Mismatches {
		if m.Kind == policy.AuthNotAccepted {
			pl.Close(context.Background())
			return nil, fmt.Errorf("%s (the %s simulator needs it)", m.Message, s.Name)
		}
		if m.Kind == policy.GrantNotRequested && (m.Subject == "mail" || strings.HasPrefix(m.Subject, "http")) {
			pl.Close(context.Background())
			return nil, fmt.Errorf("%s — the %s simulator needs the plugin to request it", m.Message, s.Name)
		}
	}
	return pl, nil
}

func randomSecret() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return "Sim" + hex.EncodeToString(b[:])
}

// messagingSimFor picks the simulator for a messaging module.
func messagingSimFor(requested string, m wire.Manifest) string {
	switch requested {
	case SimTelegram, SimEmail:
		return requested
	}
	if m.Mail {
		return SimEmail
	}
	return SimTelegram
}

// runMessagingIfKind runs the messaging checks when the module is a
// messaging plugin (or --sim names a messaging simulator); it returns
// nil, nil for anything else so Run carries on with the CMMS kit.
func runMessagingIfKind(ctx context.Context, opts Options) (*Report, error) {
	wasm, err := os.ReadFile(opts.Module)
	if err != nil {
		return nil, nil // Run reports it
	}
	stat, err := audit.Audit(wasm, audit.Options{File: opts.Module})
	if err != nil || (stat.Kind != abi.KindMessaging && opts.Sim != SimTelegram && opts.Sim != SimEmail) {
		return nil, nil
	}
	return runMessaging(ctx, opts, wasm, stat)
}

func runMessaging(ctx context.Context, opts Options, wasm []byte, stat *audit.Report) (*Report, error) {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	simName := messagingSimFor(opts.Sim, stat.Manifest)
	opts.Sim = simName
	rep := &Report{Module: opts.Module, SHA256: stat.SHA256, Simulator: simName, Plugin: stat.Name, Version: stat.Version}
	tmp, err := os.MkdirTemp("", "machina-conformance-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	sim, err := StartMessagingSim(simName, tmp, opts.Logger.Named("sim"))
	if err != nil {
		return nil, fmt.Errorf("starting the %s simulator: %w", simName, err)
	}
	defer sim.Close()
	if sim.Telegram != nil {
		rep.Upstream, rep.Auth = sim.Telegram.URL(), string(wire.AuthURLPath)
	} else {
		rep.Upstream, rep.Auth = "smtp://"+sim.Mail.SMTPStartTLSAddr+" imaps://"+sim.Mail.IMAPImplicitAddr, "mail"
	}
	engine, closeEngine, err := engineFor(opts)
	if err != nil {
		return nil, err
	}
	defer closeEngine()
	traceDir := filepath.Join(tmp, "traces")
	tracer, err := trace.New(trace.Options{Dir: traceDir, Logger: opts.Logger.Named("trace"), Keep: 1000})
	if err != nil {
		return nil, err
	}
	r := newRun(ctx, opts, rep, tracer, map[string]string{sim.SecretName: sim.Secret})
	m := &msgRun{run: r, sim: sim, engine: engine, wasm: wasm, dir: tmp, acks: map[*pluginload.Loaded]string{},
		ids: map[*pluginload.Loaded]string{}}
	start := time.Now()
	main, err := m.load(filepath.Join(tmp, "kv"), "")
	if err != nil {
		r.record(Check{Name: "load", Status: Fail, Expected: "the module passes the audit and loads through the host against the " + simName + " simulator",
			Got: err.Error(), DurationMS: ms(time.Since(start))})
		_ = tracer.Close(context.Background())
		return r.finish(), nil
	}
	r.main = main
	defer main.Close(context.Background())
	r.desc = main.Plugin.Descriptor()
	r.record(Check{Name: "load", Status: Pass, Expected: "the module passes the audit and loads through the host against the " + simName + " simulator",
		Got: fmt.Sprintf("%s %s (%s) loaded; operations: %s", r.desc.Name, r.desc.Version, r.desc.Kind, joinOps(r.desc.Operations)), DurationMS: ms(time.Since(start))})
	r.check("kind", "a messaging plugin serving health, poll and send", nil, func() (string, bool) {
		ok := r.desc.Kind == abi.KindMessaging && r.desc.Has(abi.OpPoll) && r.desc.Has(abi.OpSend) && r.desc.Has(abi.OpHealth)
		return fmt.Sprintf("kind %s, operations %s", r.desc.Kind, joinOps(r.desc.Operations)), ok
	})
	if r.desc.Kind == abi.KindMessaging {
		r.check("health", "health reports healthy against the simulator", ops(abi.OpHealth), func() (string, bool) {
			var h abi.HealthResponse
			if err := r.call(main, abi.OpHealth, abi.HealthRequest{}, &h); err != nil {
				return errText(err), false
			}
			return fmt.Sprintf("status %s (%s)", h.Status, h.Message), h.Status == abi.HealthHealthy
		})
		if sim.Telegram != nil {
			m.telegramChecks()
		} else {
			m.emailChecks()
		}
	}
	_ = tracer.Close(context.Background())
	r.secretCheck(traceDir)
	return r.finish(), nil
}

// msgRun holds the messaging part of a run.
type msgRun struct {
	*run
	sim    *MessagingSim
	engine *plugin.Engine
	wasm   []byte
	dir    string
	// acks is each instance's cursor due for acknowledgement (ABI 1.4): the
	// kit acknowledges a batch in the next poll, as the host does once it
	// has handled it.
	acks map[*pluginload.Loaded]string
	// cursors is set once a plugin returned a cursor (at-least-once
	// delivery); a plugin that never does commits before returning.
	cursors bool
	// ids are the message ids of each instance's last batch.
	ids map[*pluginload.Loaded]string
}

func messageIDs(r abi.PollResponse) string {
	var ids []string
	for _, msg := range r.Messages {
		ids = append(ids, msg.ID)
	}
	return strings.Join(ids, ",")
}

func (m *msgRun) load(dataDir, secret string) (*pluginload.Loaded, error) {
	return m.sim.LoadMessaging(m.ctx, MessagingLoad{Wasm: m.wasm, Engine: m.engine, DataDir: dataDir, Secret: secret,
		Gate: m.sandbox.Gate, Logs: m.logs, Tracer: m.tracer})
}

// restartCheck: after deliver (a new message, text "after restart") is
// received but never acknowledged (the crash), a second instance on the
// same key-value store delivers it again — and only it.
func (m *msgRun) restartCheck(what string, deliver func() error) {
	m.check("restart/resume", "a restarted instance on the same key-value store delivers exactly what was not acknowledged: the new "+what, nil, func() (string, bool) {
		if err := deliver(); err != nil {
			return err.Error(), false
		}
		if _, err := m.pollUntil(m.main, 1); err != nil { // received, never acknowledged: the crash
			return errText(err), false
		}
		again, err := m.load(filepath.Join(m.dir, "kv"), "")
		if err != nil {
			return "could not load a second instance: " + err.Error(), false
		}
		defer again.Close(context.Background())
		resp, err := m.pollUntil(again, 1)
		if err != nil {
			return errText(err), false
		}
		return describeMessages(resp), len(resp.Messages) == 1 && resp.Messages[0].Text == "after restart"
	})
}

// wrongCredentialCheck: with a wrong credential, poll fails with
// unauthorized.
func (m *msgRun) wrongCredentialCheck(what, wrong string) {
	m.check("errors/unauthorized", "with a wrong "+what+", poll fails with unauthorized", nil, func() (string, bool) {
		bad, err := m.load(filepath.Join(m.dir, "kv-wrong"), wrong)
		if err != nil {
			return "could not load the plugin with a wrong " + what + ": " + err.Error(), false
		}
		defer bad.Close(context.Background())
		err = m.call(bad, abi.OpPoll, abi.PollRequest{}, &abi.PollResponse{})
		return errText(err), codeOf(err) == abi.CodeUnauthorized
	})
}

// poll polls l once, acknowledging the previous batch when ack is set
// (as the host does after handling it), and keeps the new cursor due.
func (m *msgRun) poll(l *pluginload.Loaded, ack bool) (abi.PollResponse, error) {
	var resp abi.PollResponse
	req := abi.PollRequest{}
	if ack {
		req.Ack = m.acks[l]
	}
	if err := m.call(l, abi.OpPoll, req, &resp); err != nil {
		return resp, err
	}
	if ack || resp.Cursor != "" {
		m.acks[l], m.ids[l] = resp.Cursor, messageIDs(resp)
	}
	m.cursors = m.cursors || resp.Cursor != ""
	return resp, nil
}

// pollUntil polls until want messages arrived (or 5 polls), acknowledging
// each batch in the next poll, collecting messages and dropped records.
func (m *msgRun) pollUntil(l *pluginload.Loaded, want int) (abi.PollResponse, error) {
	var all abi.PollResponse
	for i := 0; i < 5; i++ {
		resp, err := m.poll(l, true)
		if err != nil {
			return all, err
		}
		all.Messages = append(all.Messages, resp.Messages...)
		all.Dropped = append(all.Dropped, resp.Dropped...)
		if len(all.Messages)+len(all.Dropped) >= want {
			break
		}
	}
	return all, nil
}

func describeMessages(r abi.PollResponse) string {
	var parts []string
	for _, msg := range r.Messages {
		parts = append(parts, fmt.Sprintf("%s/%s %q", msg.Channel, msg.ChatID, truncateText(msg.Text, 60)))
	}
	for _, d := range r.Dropped {
		parts = append(parts, fmt.Sprintf("dropped %s (%s)", d.ChatID, d.Reason))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// redeliveryCheck: a plugin that returns cursors (ABI 1.4) delivers a batch
// again, with the same ids, until it is acknowledged. Run right after a
// batch was received and not yet acknowledged.
func (m *msgRun) redeliveryCheck(l *pluginload.Loaded) {
	const expected = "until the host acknowledges a batch (ABI 1.4 cursor), polling delivers it again with the same message ids"
	if !m.cursors {
		m.record(Check{Name: "poll/redeliver", Status: Skip, Expected: expected,
			Got: "not run: the plugin returns no cursor, so it commits each batch before returning it (at most once, ABI 1.0–1.3)"})
		return
	}
	m.check("poll/redeliver", expected, nil, func() (string, bool) {
		before, ids := m.acks[l], m.ids[l]
		resp, err := m.poll(l, false)
		if err != nil {
			return errText(err), false
		}
		same := resp.Cursor == before && len(resp.Messages) > 0 && messageIDs(resp) == ids
		return fmt.Sprintf("%s: ids %s, cursor %q (first delivery: ids %s, cursor %q)", describeMessages(resp), messageIDs(resp), resp.Cursor, ids, before), same
	})
}

// telegramChecks run the Telegram plugin against the Bot API simulator.
func (m *msgRun) telegramChecks() {
	m.telegramPollChecks()
	m.telegramSendChecks()
	m.telegramLifecycleChecks()
}

// telegramPollChecks check receiving, no duplicates and the allow-list.
func (m *msgRun) telegramPollChecks() {
	tg := m.sim.Telegram
	l := m.main
	chat := fmt.Sprint(MessagingChatID)
	tech := simtg.User{ID: MessagingChatID, FirstName: "Tech"}
	m.check("poll/receive", "a text from an allowed chat comes back as one message (channel telegram, its chat id and text)", nil, func() (string, bool) {
		tg.InjectText(MessagingChatID, tech, "Pump P-101 is leaking")
		resp, err := m.pollUntil(l, 1)
		if err != nil {
			return errText(err), false
		}
		ok := len(resp.Messages) == 1 && resp.Messages[0].ChatID == chat && resp.Messages[0].Channel == "telegram" && resp.Messages[0].Text == "Pump P-101 is leaking"
		return describeMessages(resp), ok
	})
	m.redeliveryCheck(l)
	m.check("poll/no_duplicates", "polling again (acknowledging the batch, ABI 1.4) returns nothing", nil, func() (string, bool) {
		resp, err := m.poll(l, true)
		return describeMessages(resp) + "; " + errText(err), err == nil && len(resp.Messages) == 0
	})
	m.check("poll/allow_list", "a message from a chat outside allowed_chat_ids is dropped, reported in dropped, and not answered", nil, func() (string, bool) {
		before := len(tg.Sent())
		tg.InjectText(MessagingOtherChat, simtg.User{ID: MessagingOtherChat, FirstName: "Mallory"}, "close every work order")
		resp, err := m.pollUntil(l, 1)
		if err != nil {
			return errText(err), false
		}
		other := fmt.Sprint(MessagingOtherChat)
		dropped := len(resp.Dropped) == 1 && resp.Dropped[0].ChatID == other
		return describeMessages(resp), dropped && len(resp.Messages) == 0 && len(tg.Sent()) == before
	})
}

// telegramSendChecks check delivery, long texts, refused chats and rate limits.
func (m *msgRun) telegramSendChecks() {
	tg := m.sim.Telegram
	l := m.main
	chat := fmt.Sprint(MessagingChatID)
	m.check("send", "send to an allowed chat delivers the text once", nil, func() (string, bool) {
		before := len(tg.Sent())
		var resp abi.SendResponse
		if err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: chat, Text: "Work order WO-1 created."}, &resp); err != nil {
			return errText(err), false
		}
		sent := tg.Sent()[before:]
		ok := resp.Status == "sent" && len(sent) == 1 && sent[0].ChatID == chat && sent[0].Text == "Work order WO-1 created."
		return fmt.Sprintf("status %q, %d message(s) at the simulator", resp.Status, len(sent)), ok
	})
	m.check("send/long_text", "a 10 000 character text is split into parts of at most 4096 UTF-16 units that reassemble into the text", nil, func() (string, bool) {
		before := len(tg.Sent())
		text := strings.Repeat(strings.Repeat("vibration ", 49)+"end\n", 20)
		var resp abi.SendResponse
		if err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: chat, Text: text}, &resp); err != nil {
			return errText(err), false
		}
		sent := tg.Sent()[before:]
		var joined []string
		for _, s := range sent {
			if n := len(utf16.Encode([]rune(s.Text))); n > simtg.MaxMessageLength {
				return fmt.Sprintf("a part has %d units", n), false
			}
			joined = append(joined, s.Text)
		}
		whole := strings.Join(strings.Fields(strings.Join(joined, " ")), " ") == strings.Join(strings.Fields(text), " ")
		return fmt.Sprintf("%d parts (reported %d), reassembles: %v", len(sent), resp.Parts, whole), len(sent) >= 3 && resp.Parts == len(sent) && whole
	})
	m.check("send/not_allowed", "send to a chat outside allowed_chat_ids fails with invalid_argument and sends nothing", nil, func() (string, bool) {
		before := len(tg.Sent())
		err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: fmt.Sprint(MessagingOtherChat), Text: "hi"}, &abi.SendResponse{})
		return errText(err), codeOf(err) == abi.CodeInvalidArgument && len(tg.Sent()) == before
	})
	m.check("send/rate_limited", "after a 429 with retry_after 1, send waits and succeeds", nil, func() (string, bool) {
		tg.Fail(simtg.Fault{Method: "sendMessage", Status: 429, RetryAfter: 1})
		before := tg.Calls("sendMessage")
		err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: chat, Text: "after the rate limit"}, &abi.SendResponse{})
		n := tg.Calls("sendMessage") - before
		return fmt.Sprintf("%s after %d sendMessage calls", errText(err), n), err == nil && n == 2
	})
}

// telegramLifecycleChecks check a restart on the same store, a wrong token and sandbox mode.
func (m *msgRun) telegramLifecycleChecks() {
	tg := m.sim.Telegram
	l := m.main
	chat := fmt.Sprint(MessagingChatID)
	tech := simtg.User{ID: MessagingChatID, FirstName: "Tech"}
	m.restartCheck("message", func() error { tg.InjectText(MessagingChatID, tech, "after restart"); return nil })
	m.wrongCredentialCheck("bot token", "7000001:wrong"+randomSecret())
	m.check("sandbox", "in sandbox mode send never reaches the plugin and the plugin's own replies (POST sendMessage) are refused by the HTTP gate", nil, func() (string, bool) {
		m.sandbox.Store(true)
		defer m.sandbox.Store(false)
		before := len(tg.Sent())
		err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: chat, Text: "must not be sent"}, &abi.SendResponse{})
		tg.InjectText(MessagingChatID, tech, "/start")
		_, perr := m.pollUntil(l, 1)
		got := fmt.Sprintf("send: %s; poll: %s; %d message(s) reached the simulator", errText(err), errText(perr), len(tg.Sent())-before)
		return got, errors.Is(err, errSandboxed) && perr == nil && len(tg.Sent()) == before
	})
	m.check("poll/rate_limited", "after a 429 with retry_after 30 on getUpdates, poll returns nothing and does not call the API again before the wait is over", nil, func() (string, bool) {
		tg.Fail(simtg.Fault{Method: "getUpdates", Status: 429, RetryAfter: 30})
		before := tg.Calls("getUpdates")
		var r1, r2 abi.PollResponse
		err1 := m.call(l, abi.OpPoll, abi.PollRequest{}, &r1)
		err2 := m.call(l, abi.OpPoll, abi.PollRequest{}, &r2)
		n := tg.Calls("getUpdates") - before
		return fmt.Sprintf("%s / %s; %d getUpdates calls", errText(err1), errText(err2), n), err1 == nil && err2 == nil && n == 1
	})
}

func (m *msgRun) emailChecks() {
	ms := m.sim.Mail
	l := m.main
	deliver := func(from, subject, id, body string) error {
		raw := fmt.Sprintf("From: <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\nDate: %s\r\n\r\n%s\r\n",
			from, MessagingBotAddress, subject, id, time.Now().UTC().Format(time.RFC1123Z), body)
		return ms.Deliver(MessagingBotAddress, []byte(raw))
	}
	// receive delivers one mail to the bot and polls until it comes through.
	receive := func(from, subject, id, body string) (abi.PollResponse, error) {
		if err := deliver(from, subject, id, body); err != nil {
			return abi.PollResponse{}, err
		}
		return m.pollUntil(l, 1)
	}
	var first abi.Message
	m.check("poll/receive", "an unseen mail from an allowed sender comes back as one unverified message (chat id = sender, thread id = Message-ID, quoted text removed)", nil, func() (string, bool) {
		resp, err := receive(MessagingTechAddr, "Leak at P-101", "<c1@plant.test>", "Pump P-101 is leaking.\r\n\r\nOn Mon, Machina wrote:\r\n> earlier")
		if err != nil {
			return errText(err), false
		}
		if len(resp.Messages) == 1 {
			first = resp.Messages[0]
		}
		ok := len(resp.Messages) == 1 && first.ChatID == MessagingTechAddr && first.Unverified && first.ThreadID == "<c1@plant.test>" &&
			first.Text == "Pump P-101 is leaking." && first.Subject == "Leak at P-101"
		return describeMessages(resp), ok
	})
	m.redeliveryCheck(l)
	m.check("poll/only_unseen", "polling again (acknowledging the batch, ABI 1.4) returns nothing and the mailbox has no unseen mail", nil, func() (string, bool) {
		resp, err := m.poll(l, true)
		unseen, _ := ms.Unseen(MessagingBotAddress)
		return fmt.Sprintf("%s; %s; %d unseen", describeMessages(resp), errText(err), unseen), err == nil && len(resp.Messages) == 0 && unseen == 0
	})
	m.check("poll/allow_list", "mail from a sender outside allowed_senders is dropped and reported", nil, func() (string, bool) {
		resp, err := receive(MessagingOtherAddr, "urgent", "<x1@elsewhere.test>", "close every work order")
		if err != nil {
			return errText(err), false
		}
		return describeMessages(resp), len(resp.Messages) == 0 && len(resp.Dropped) == 1 && resp.Dropped[0].ChatID == MessagingOtherAddr
	})
	m.check("send/reply_in_thread", "a reply with thread_id goes out over TLS with Subject \"Re: <subject>\", In-Reply-To and References", nil, func() (string, bool) {
		before := len(ms.Received())
		var resp abi.SendResponse
		if err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: MessagingTechAddr, Text: "WO-1 created.", ThreadID: "<c1@plant.test>"}, &resp); err != nil {
			return errText(err), false
		}
		got := ms.Received()[before:]
		if len(got) != 1 {
			return fmt.Sprintf("%d message(s) at the SMTP server", len(got)), false
		}
		d := got[0].Data
		ok := got[0].TLS && bytes.Contains(d, []byte("Subject: Re: Leak at P-101")) && bytes.Contains(d, []byte("In-Reply-To: <c1@plant.test>")) &&
			bytes.Contains(d, []byte("References: <c1@plant.test>"))
		return fmt.Sprintf("status %q, message id %s, TLS %v", resp.Status, resp.MessageID, got[0].TLS), ok && resp.Status == "sent"
	})
	m.check("send/not_allowed", "send to an address outside the allow-lists fails with invalid_argument and sends nothing", nil, func() (string, bool) {
		before := len(ms.Received())
		err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: MessagingOtherAddr, Text: "hi"}, &abi.SendResponse{})
		return errText(err), codeOf(err) == abi.CodeInvalidArgument && len(ms.Received()) == before
	})
	m.restartCheck("mail", func() error {
		return deliver(MessagingTechAddr, "second", "<c2@plant.test>", "after restart")
	})
	m.wrongCredentialCheck("mail password", "wrong-"+randomSecret())
	m.check("sandbox", "in sandbox mode send never reaches the plugin and no mail is submitted", nil, func() (string, bool) {
		m.sandbox.Store(true)
		defer m.sandbox.Store(false)
		before := len(ms.Received())
		err := m.call(l, abi.OpSend, abi.SendRequest{ChatID: MessagingTechAddr, Text: "must not be sent"}, &abi.SendResponse{})
		return fmt.Sprintf("%s; %d mail(s) submitted", errText(err), len(ms.Received())-before), errors.Is(err, errSandboxed) && len(ms.Received()) == before
	})
}
