package mail

import (
	"bytes"
	"html"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/machina-go/machina/abi"
)

// parseMessage maps a raw RFC 5322 message to abi.MailMessage: sender
// address, recipients, subject, message ids, date and the text of the first
// text/plain part (or of the first text/html part reduced to text), capped
// at maxText bytes. It never fails: what cannot be parsed is left empty.
func parseMessage(raw []byte, maxText int) abi.MailMessage {
	m, _ := parseMessageAuto(raw, maxText)
	return m
}

// parseMessageAuto is parseMessage that also reports whether the message
// is automatic (RFC 3834 Auto-Submitted other than "no", X-Autoreply,
// X-Autorespond, or Precedence bulk/junk/auto_reply): out-of-office
// answers and bounces that a bot must never answer.
func parseMessageAuto(raw []byte, maxText int) (out abi.MailMessage, automatic bool) {
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if mr == nil {
		out.Text = "[unparsable message]"
		return out, false
	}
	defer mr.Close()
	_ = err // unknown charsets/encodings still give a usable reader
	h := mr.Header
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		automatic = true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "auto_reply":
		automatic = true
	}
	if h.Has("X-Autoreply") || h.Has("X-Autorespond") {
		automatic = true
	}
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		out.From = strings.ToLower(from[0].Address)
	} else if f := h.Get("From"); f != "" {
		out.From = strings.ToLower(strings.Trim(f, "<> "))
	}
	if to, err := h.AddressList("To"); err == nil {
		for _, a := range to {
			out.To = append(out.To, a.Address)
		}
	}
	if out.To == nil {
		out.To = []string{}
	}
	if s, err := h.Subject(); err == nil {
		out.Subject = s
	} else {
		out.Subject = h.Get("Subject")
	}
	if id, err := h.MessageID(); err == nil && id != "" {
		out.MessageID = "<" + id + ">"
	}
	if ids, err := h.MsgIDList("In-Reply-To"); err == nil && len(ids) > 0 {
		out.InReplyTo = "<" + ids[0] + ">"
	}
	if ids, err := h.MsgIDList("References"); err == nil {
		for _, id := range ids {
			out.References = append(out.References, "<"+id+">")
		}
	}
	if d, err := h.Date(); err == nil && !d.IsZero() {
		out.Date = d.UTC().Format(time.RFC3339)
	}
	var plain, htmlText string
	for plain == "" {
		p, err := mr.NextPart()
		if err == io.EOF || p == nil {
			break
		}
		if err != nil && !gomessage.IsUnknownCharset(err) {
			break
		}
		ih, ok := p.Header.(*gomail.InlineHeader)
		if !ok {
			continue
		}
		ct, _, _ := ih.ContentType()
		if ct == "" {
			ct = "text/plain"
		}
		if ct != "text/plain" && (ct != "text/html" || htmlText != "") {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(p.Body, int64(maxText)*4))
		s := decodeCharset(b, err)
		if ct == "text/plain" {
			plain = s
		} else {
			htmlText = htmlToText(s)
		}
	}
	text := plain
	if text == "" {
		text = htmlText
	}
	text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), " \t\n")
	if len(text) > maxText {
		cut := maxText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "\n[truncated]"
	}
	out.Text = text
	return out, automatic
}

// decodeCharset returns b as UTF-8. go-message converts utf-8 and us-ascii;
// for a charset it does not know, Latin-1 is assumed (each byte one rune),
// which is right for ISO-8859-1 and close for windows-1252.
func decodeCharset(b []byte, err error) string {
	if err == nil || !gomessage.IsUnknownCharset(err) || utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

var (
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)>`)
	htmlBreak = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// htmlToText reduces HTML to readable text (a fallback for mail without a
// text/plain part).
func htmlToText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
