package main

import (
	"context"
	"encoding/json"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// KV keys.
const (
	stateKey    = "poll_state"
	maxThreads  = 32
	maxRefs     = 5
	maxSubject  = 200
	stateBudget = 12 << 10
)

// spoofWarning is the reference's warning about e-mail identity.
const spoofWarning = "e-mail senders are unauthenticated and spoofable (no DKIM/SPF checks here): allowed_senders is a filter, not authentication, and confirmations keyed on the sender give no integrity over e-mail; prefer sandbox mode or no confirmations on this channel"

// mailer implements pdk.Messaging.
type mailer struct {
	cfg    config
	warned bool
}

func newMailer() *mailer { return &mailer{} }

// thread is what a reply needs to know about a received message.
type thread struct {
	ID      string   `json:"id"`
	Subject string   `json:"subject"`
	Refs    []string `json:"refs,omitempty"`
}

// state is kept in KV.
type state struct {
	LastUID uint32   `json:"last_uid"`
	Threads []thread `json:"threads,omitempty"`
}

// Init reads the configuration.
func (m *mailer) Init(_ context.Context, c pdk.Config) error {
	cfg, err := parseConfig(c)
	if err != nil {
		return err
	}
	m.cfg = cfg
	return nil
}

// Health reports the configuration; the host owns the mail connection and
// reports transport problems on use.
func (m *mailer) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy, Message: "mail through the host",
		Details: map[string]any{"mailbox": m.cfg.mailbox, "allowed_senders": len(m.cfg.senders), "allow_all_senders": m.cfg.allowAll}}, nil
}

func (m *mailer) load(ctx context.Context) (state, error) {
	var st state
	v, found, err := pdk.KVGet(ctx, stateKey)
	if err != nil {
		return st, err
	}
	if found && json.Unmarshal(v, &st) != nil {
		pdk.Log(ctx, abi.LogWarn, "mail state in KV is unreadable; starting from unseen mail", nil)
		st = state{}
	}
	return st, nil
}

// save stores the state, forgetting the oldest threads so that it stays
// within stateBudget bytes (the KV quota is 16 KiB).
func (m *mailer) save(ctx context.Context, st state) error {
	if len(st.Threads) > maxThreads {
		st.Threads = st.Threads[len(st.Threads)-maxThreads:]
	}
	v, _ := json.Marshal(st)
	for len(v) > stateBudget && len(st.Threads) > 0 {
		st.Threads = st.Threads[1:]
		v, _ = json.Marshal(st)
	}
	return pdk.KVSet(ctx, stateKey, v)
}

// Poll fetches unseen mail without marking it (ABI 1.4, at least once):
// the batch comes back with a cursor naming its UIDs, and only when the
// host acknowledges the cursor in a later poll are those mails marked
// \Seen and the UID watermark moved. Until then the same mails come back
// with the same ids (the host de-duplicates them).
func (m *mailer) Poll(ctx context.Context, req abi.PollRequest) (abi.PollResponse, error) {
	out := abi.PollResponse{Messages: []abi.Message{}}
	st, err := m.load(ctx)
	if err != nil {
		return out, err
	}
	fetch := abi.MailFetchRequest{Mailbox: m.cfg.mailbox, SinceUID: st.LastUID, Peek: true}
	acked := false
	if req.Ack != "" {
		if last, uids, ok := parseCursor(req.Ack); ok {
			fetch.SinceUID, fetch.Seen, acked = max(st.LastUID, last), uids, true
		} else {
			pdk.Log(ctx, abi.LogWarn, "ignoring an acknowledgement that is not a mail cursor", nil)
		}
	}
	fetch.Max = m.cfg.pollMax
	if req.Max > 0 && req.Max < fetch.Max {
		fetch.Max = req.Max
	}
	mails, err := pdk.MailFetch(ctx, fetch)
	if err != nil {
		return out, err
	}
	st.LastUID = fetch.SinceUID // committed: the acknowledged mails are \Seen now
	var uids []uint32
	for _, mm := range mails {
		uids = append(uids, mm.UID)
		if msg, ok := m.accept(ctx, mm, &out); ok {
			out.Messages = append(out.Messages, msg)
			if msg.ThreadID != "" {
				st.remember(mm)
			}
		}
	}
	if len(uids) > 0 {
		out.Cursor = formatCursor(uids)
	}
	if len(out.Messages) > 0 && !m.warned {
		m.warned = true
		pdk.Log(ctx, abi.LogWarn, spoofWarning, nil)
	}
	if len(out.Messages) > 0 || acked {
		if err := m.save(ctx, st); err != nil {
			return abi.PollResponse{Messages: []abi.Message{}}, err
		}
	}
	return out, nil
}

// accept turns a fetched mail into a message for the host, or files it in
// out.Dropped.
func (m *mailer) accept(ctx context.Context, mm abi.MailMessage, out *abi.PollResponse) (abi.Message, bool) {
	id := mm.MessageID
	if id == "" {
		id = "uid:" + strconv.FormatUint(uint64(mm.UID), 10)
	}
	from := strings.ToLower(strings.TrimSpace(mm.From))
	drop := func(chat, reason string) (abi.Message, bool) {
		out.Dropped = append(out.Dropped, abi.Dropped{ChatID: chat, Reason: reason, ID: id})
		return abi.Message{}, false
	}
	switch {
	case from == "":
		return drop("", "no_sender")
	case !m.cfg.allowAll && !m.cfg.senders.has(from):
		pdk.Log(ctx, abi.LogWarn, "unauthorized_sender: mail dropped", map[string]any{"from": from})
		return drop(from, "sender_not_allowed")
	case isAutomatic(from):
		return drop(from, "automatic_mail")
	}
	text := stripQuoted(mm.Text)
	if text == "" {
		return drop(from, "empty_text")
	}
	msg := abi.Message{ID: id, Channel: "email", ChatID: from, UserID: from, UserName: from,
		Text: text, Subject: mm.Subject, Unverified: true, ThreadID: mm.MessageID}
	if t, err := time.Parse(time.RFC3339, mm.Date); err == nil {
		msg.Timestamp = t
	}
	return msg, true
}

// remember keeps what an in-thread reply to mm needs (once per thread).
func (st *state) remember(mm abi.MailMessage) {
	for _, t := range st.Threads {
		if t.ID == mm.MessageID {
			return // delivered again before its acknowledgement
		}
	}
	refs := append(append([]string(nil), mm.References...), mm.MessageID)
	if len(refs) > maxRefs {
		refs = refs[len(refs)-maxRefs:]
	}
	st.Threads = append(st.Threads, thread{ID: mm.MessageID, Subject: truncate(mm.Subject, maxSubject), Refs: refs})
}

// formatCursor encodes a batch's UIDs: "<highest>:<uid>,<uid>,…".
func formatCursor(uids []uint32) string {
	var b strings.Builder
	hi := uint32(0)
	for i, u := range uids {
		hi = max(hi, u)
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(u), 10))
	}
	return strconv.FormatUint(uint64(hi), 10) + ":" + b.String()
}

// parseCursor decodes formatCursor's output.
func parseCursor(c string) (last uint32, uids []uint32, ok bool) {
	hi, list, found := strings.Cut(c, ":")
	n, err := strconv.ParseUint(hi, 10, 32)
	if !found || err != nil || n == 0 {
		return 0, nil, false
	}
	for _, f := range strings.Split(list, ",") {
		u, err := strconv.ParseUint(f, 10, 32)
		if err != nil || u == 0 || u > n {
			return 0, nil, false
		}
		uids = append(uids, uint32(u))
	}
	return uint32(n), uids, len(uids) > 0
}

// isAutomatic recognises bounce and robot senders so the bot does not
// answer them (mail loops).
func isAutomatic(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	switch local {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply":
		return true
	}
	return false
}

// Send sends a plain-text message, in thread when thread_id is set.
func (m *mailer) Send(ctx context.Context, req abi.SendRequest) (abi.SendResponse, error) {
	// "email:<address>" is the host's channel syntax; accept it (and
	// mailto:) here too.
	target := strings.TrimSpace(req.ChatID)
	for _, p := range []string{"email:", "mailto:"} {
		target = strings.TrimPrefix(target, p)
	}
	a, err := mail.ParseAddress(target)
	if err != nil || strings.ContainsAny(req.ChatID, "\r\n") {
		return abi.SendResponse{}, abi.InvalidArgument("chat_id %q is not an e-mail address", req.ChatID)
	}
	to := strings.ToLower(a.Address)
	if !m.cfg.anyRecipient && !m.cfg.senders.has(to) && !m.cfg.recipients.has(to) {
		return abi.SendResponse{}, abi.InvalidArgument("recipient %s is not in allowed_senders or allowed_recipients", to)
	}
	if strings.TrimSpace(req.Text) == "" {
		return abi.SendResponse{}, abi.InvalidArgument("text is empty")
	}
	msg := abi.MailMessage{To: []string{to}, Text: req.Text, Subject: oneLine(req.Subject)}
	if req.ThreadID != "" {
		st, err := m.load(ctx)
		if err != nil {
			return abi.SendResponse{}, err
		}
		subject, refs := msg.Subject, []string{req.ThreadID}
		for _, t := range st.Threads {
			if t.ID == req.ThreadID {
				if subject == "" {
					subject = t.Subject
				}
				refs = t.Refs
			}
		}
		msg.Subject = replySubject(subject)
		msg.InReplyTo = req.ThreadID
		msg.References = refs
	} else if msg.Subject == "" {
		msg.Subject = m.cfg.subject
	}
	id, err := pdk.MailSend(ctx, msg)
	if err != nil {
		return abi.SendResponse{}, err
	}
	return abi.SendResponse{Status: "sent", ChatID: to, MessageID: id, Parts: 1}, nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func oneLine(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(s))
}

var rePrefix = regexp.MustCompile(`(?i)^\s*((re|aw|sv|fw|fwd)\s*(\[\d+\])?\s*:\s*)+`)

// replySubject returns "Re: <subject>" without stacking prefixes.
func replySubject(s string) string {
	s = strings.TrimSpace(rePrefix.ReplaceAllString(s, ""))
	if s == "" {
		s = defaultSubject
	}
	return "Re: " + s
}

var (
	wroteLine   = regexp.MustCompile(`(?i)^\s*(on|le|am|il|el|op)\b.*\s(wrote|écrit|schrieb|scritto|escribió|geschreven)\s*:?\s*$`)
	wroteStart  = regexp.MustCompile(`(?i)^\s*(on|le|am|il|el|op)\s`)
	wroteEnd    = regexp.MustCompile(`(?i)(^|\s)(wrote|écrit|schrieb|scritto|escribió|geschreven)\s*:?\s*$`)
	outlookSep  = regexp.MustCompile(`(?i)^\s*-{2,}\s*original message\s*-{2,}\s*$`)
	outlookFrom = regexp.MustCompile(`(?i)^\s*from:\s.+`)
	outlookSent = regexp.MustCompile(`(?i)^\s*(sent|date):`)
)

// stripQuoted removes quoted replies and the signature from a plain-text
// body: lines starting with ">", everything from an "On … wrote:" line
// (also when wrapped over two lines), from an Outlook "Original Message"
// separator or a "From:" header block after a blank line, and everything
// after a "-- " signature line.
func stripQuoted(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var keep []string
cut:
	for i, l := range lines {
		switch {
		case l == "-- " || l == "--":
			break cut
		case wroteLine.MatchString(l):
			break cut
		case wroteStart.MatchString(l) && i+1 < len(lines) && wroteEnd.MatchString(lines[i+1]):
			break cut
		case outlookSep.MatchString(l):
			break cut
		case outlookFrom.MatchString(l) && i > 0 && strings.TrimSpace(lines[i-1]) == "" && i+1 < len(lines) &&
			outlookSent.MatchString(lines[i+1]):
			break cut
		case strings.HasPrefix(strings.TrimLeft(l, " "), ">"):
			continue
		}
		keep = append(keep, strings.TrimRight(l, " \t"))
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}
