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

// Poll fetches unseen mail.
func (m *mailer) Poll(ctx context.Context, req abi.PollRequest) (abi.PollResponse, error) {
	out := abi.PollResponse{Messages: []abi.Message{}}
	st, err := m.load(ctx)
	if err != nil {
		return out, err
	}
	limit := m.cfg.pollMax
	if req.Max > 0 && req.Max < limit {
		limit = req.Max
	}
	mails, err := pdk.MailFetch(ctx, abi.MailFetchRequest{Mailbox: m.cfg.mailbox, SinceUID: st.LastUID, Max: limit})
	if err != nil {
		return out, err
	}
	if len(mails) == 0 {
		return out, nil
	}
	for _, mm := range mails {
		if mm.UID > st.LastUID {
			st.LastUID = mm.UID
		}
		from := strings.ToLower(strings.TrimSpace(mm.From))
		switch {
		case from == "":
			out.Dropped = append(out.Dropped, abi.Dropped{ChatID: "", Reason: "no_sender"})
			continue
		case !m.cfg.allowAll && !m.cfg.senders.has(from):
			out.Dropped = append(out.Dropped, abi.Dropped{ChatID: from, Reason: "sender_not_allowed"})
			pdk.Log(ctx, abi.LogWarn, "unauthorized_sender: mail dropped", map[string]any{"from": from})
			continue
		case isAutomatic(from):
			out.Dropped = append(out.Dropped, abi.Dropped{ChatID: from, Reason: "automatic_mail"})
			continue
		}
		text := stripQuoted(mm.Text)
		if text == "" {
			out.Dropped = append(out.Dropped, abi.Dropped{ChatID: from, Reason: "empty_text"})
			continue
		}
		id := mm.MessageID
		if id == "" {
			id = "uid:" + strconv.FormatUint(uint64(mm.UID), 10)
		}
		msg := abi.Message{ID: id, Channel: "email", ChatID: from, UserID: from, UserName: from,
			Text: text, Subject: mm.Subject, Unverified: true}
		if t, err := time.Parse(time.RFC3339, mm.Date); err == nil {
			msg.Timestamp = t
		}
		if mm.MessageID != "" {
			msg.ThreadID = mm.MessageID
			refs := append(append([]string(nil), mm.References...), mm.MessageID)
			if len(refs) > maxRefs {
				refs = refs[len(refs)-maxRefs:]
			}
			st.Threads = append(st.Threads, thread{ID: mm.MessageID, Subject: truncate(mm.Subject, maxSubject), Refs: refs})
		}
		out.Messages = append(out.Messages, msg)
	}
	if len(out.Messages) > 0 && !m.warned {
		m.warned = true
		pdk.Log(ctx, abi.LogWarn, spoofWarning, nil)
	}
	// Saved before the batch is returned: a restart resumes after it.
	if err := m.save(ctx, st); err != nil {
		return abi.PollResponse{Messages: []abi.Message{}}, err
	}
	return out, nil
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
