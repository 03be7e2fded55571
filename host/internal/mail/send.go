package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
)

// Send implements policy.Mailer: it submits msg over SMTP with TLS and
// returns the Message-ID it set (with angle brackets).
func (c *Client) Send(ctx context.Context, plugin string, grant config.MailGrant, msg abi.MailMessage) (string, error) {
	if c.opts.Sandbox() {
		c.log.Info("sandbox_write_blocked", "operation", "mail_send", "plugin", plugin)
		return "", abi.Unauthorized("sandbox mode: mail is not sent")
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	if grant.SMTPAddr == "" {
		return "", abi.Unavailable("mail grant has no smtp_addr")
	}
	from, err := mail.ParseAddress(grant.From)
	if err != nil {
		return "", abi.Unavailable("mail grant: from address %q is invalid", grant.From)
	}
	raw, id, rcpts, err := c.buildMessage(from, msg)
	if err != nil {
		return "", err
	}
	cn, err := c.connect(ctx, grant, "smtp", grant.SMTPAddr, grant.SMTPTLS, "465", false)
	if err != nil {
		return "", err
	}
	defer cn.close()
	pass := cn.password
	var sc *smtp.Client
	if cn.implicit {
		sc = smtp.NewClient(cn.nc)
	} else if sc, err = smtp.NewClientStartTLS(cn.nc, cn.tls); err != nil {
		return "", c.fail(ctx, abi.CodeUnavailable, "smtp STARTTLS with "+grant.SMTPAddr, err)
	}
	defer sc.Close()
	if err := sc.Hello(c.opts.HelloName); err != nil {
		return "", c.fail(ctx, abi.CodeUnavailable, "smtp EHLO", err)
	}
	if pass != "" || grant.Username != "" {
		if _, ok := sc.TLSConnectionState(); !ok {
			return "", abi.Unavailable("smtp: refusing to authenticate without TLS")
		}
		var auth sasl.Client
		switch {
		case sc.SupportsAuth(sasl.Plain):
			auth = sasl.NewPlainClient("", grant.Username, pass)
		case sc.SupportsAuth(sasl.Login):
			auth = sasl.NewLoginClient(grant.Username, pass)
		default:
			return "", abi.Unavailable("smtp server %s offers neither AUTH PLAIN nor LOGIN", grant.SMTPAddr)
		}
		if err := sc.Auth(auth); err != nil {
			c.log.Warn("smtp authentication failed", "plugin", plugin, "server", grant.SMTPAddr, "user", grant.Username)
			return "", c.fail(ctx, abi.CodeUnauthorized, "smtp authentication as "+grant.Username, errors.New("rejected by the server"))
		}
	}
	if err := sc.SendMail(from.Address, rcpts, bytes.NewReader(raw)); err != nil {
		return "", c.fail(ctx, abi.CodeUpstream, "smtp submission", err)
	}
	_ = sc.Quit()
	c.log.Debug("mail sent", "plugin", plugin, "server", grant.SMTPAddr, "recipients", len(rcpts), "message_id", id)
	return id, nil
}

// buildMessage renders a plain-text UTF-8 message and returns it with its
// Message-ID and the envelope recipients. Every header value the plugin
// controls is validated: no CR/LF, valid addresses and message ids.
func (c *Client) buildMessage(from *mail.Address, msg abi.MailMessage) ([]byte, string, []string, error) {
	if len(msg.To) == 0 {
		return nil, "", nil, abi.InvalidArgument("mail has no recipient")
	}
	if len(msg.To) > maxRecipients {
		return nil, "", nil, abi.InvalidArgument("mail has %d recipients (at most %d)", len(msg.To), maxRecipients)
	}
	var to []*gomail.Address
	var rcpts []string
	for _, s := range msg.To {
		if strings.ContainsAny(s, "\r\n") {
			return nil, "", nil, abi.InvalidArgument("recipient address contains a line break")
		}
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, "", nil, abi.InvalidArgument("recipient %q is not a valid address", truncate(s, 100))
		}
		to = append(to, &gomail.Address{Name: a.Name, Address: a.Address})
		rcpts = append(rcpts, a.Address)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return nil, "", nil, abi.InvalidArgument("subject contains a line break")
	}
	if len(msg.Subject) > 998 {
		return nil, "", nil, abi.InvalidArgument("subject is longer than 998 bytes")
	}
	if len(msg.Text) > DefaultMaxSendBytes {
		return nil, "", nil, abi.InvalidArgument("text is larger than %d bytes", DefaultMaxSendBytes)
	}
	var refs []string
	for _, r := range msg.References {
		id, err := msgID(r)
		if err != nil {
			return nil, "", nil, err
		}
		refs = append(refs, id)
	}
	if len(refs) > 50 {
		refs = refs[len(refs)-50:]
	}
	var h gomail.Header
	h.SetAddressList("From", []*gomail.Address{{Name: from.Name, Address: from.Address}})
	h.SetAddressList("To", to)
	h.SetSubject(msg.Subject)
	h.SetDate(c.opts.Now())
	id := newMessageID(from.Address)
	h.SetMessageID(id)
	if msg.InReplyTo != "" {
		irt, err := msgID(msg.InReplyTo)
		if err != nil {
			return nil, "", nil, err
		}
		h.SetMsgIDList("In-Reply-To", []string{irt})
		if len(refs) == 0 || refs[len(refs)-1] != irt {
			refs = append(refs, irt)
		}
	}
	h.SetMsgIDList("References", refs)
	h.Set("MIME-Version", "1.0")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Auto-Submitted", "auto-generated")
	var buf bytes.Buffer
	w, err := gomail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, "", nil, abi.Internal("rendering mail: %v", err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(msg.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := w.Write([]byte(text)); err != nil {
		return nil, "", nil, abi.Internal("rendering mail: %v", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", nil, abi.Internal("rendering mail: %v", err)
	}
	return buf.Bytes(), "<" + id + ">", rcpts, nil
}

// msgID validates a message id given with or without angle brackets and
// returns it without them.
func msgID(s string) (string, error) {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
	if id == "" || len(id) > 250 || strings.ContainsAny(id, "<>\r\n\t ()\",;\\") || !strings.Contains(id, "@") {
		return "", abi.InvalidArgument("%q is not a valid message id", truncate(s, 100))
	}
	return id, nil
}

// newMessageID returns a random id in the sender's domain.
func newMessageID(from string) string {
	domain := "machina.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "machina." + hex.EncodeToString(b[:]) + "@" + domain
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
