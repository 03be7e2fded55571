package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
)

// Fetch implements policy.Mailer: unseen messages of the mailbox (and, with
// SinceUID, only those with a larger UID), oldest first, at most req.Max,
// marked \Seen once fetched.
func (c *Client) Fetch(ctx context.Context, plugin string, grant config.MailGrant, req abi.MailFetchRequest) ([]abi.MailMessage, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	if grant.IMAPAddr == "" {
		return nil, abi.Unavailable("mail grant has no imap_addr")
	}
	mailbox := req.Mailbox
	if mailbox == "" {
		mailbox = "INBOX"
	}
	if len(mailbox) > 200 {
		return nil, abi.InvalidArgument("mailbox name is too long")
	}
	limit := req.Max
	if limit <= 0 {
		limit = DefaultMaxFetch
	}
	limit = min(limit, MaxFetchLimit)
	mode, err := tlsMode(grant.IMAPTLS, grant.IMAPAddr, "993")
	if err != nil {
		return nil, err
	}
	conf, err := c.tlsConfig(grant, grant.IMAPAddr)
	if err != nil {
		return nil, err
	}
	pass, err := c.password(ctx, grant)
	if err != nil {
		return nil, err
	}
	if grant.Username == "" || pass == "" {
		return nil, abi.Unavailable("mail grant: IMAP needs username and password_secret")
	}
	conn, done, err := c.dial(ctx, grant, grant.IMAPAddr)
	if err != nil {
		return nil, err
	}
	defer done()
	opts := &imapclient.Options{TLSConfig: conf}
	var ic *imapclient.Client
	if mode == "implicit" {
		tc := tls.Client(conn, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, c.fail(ctx, abi.CodeUnavailable, "imap TLS handshake with "+grant.IMAPAddr, err)
		}
		ic = imapclient.New(tc, opts)
	} else {
		ic, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			return nil, c.fail(ctx, abi.CodeUnavailable, "imap STARTTLS with "+grant.IMAPAddr, err)
		}
	}
	defer ic.Close()
	if err := ic.WaitGreeting(); err != nil {
		return nil, c.fail(ctx, abi.CodeUnavailable, "imap greeting", err)
	}
	if err := ic.Login(grant.Username, pass).Wait(); err != nil {
		c.log.Warn("imap login failed", "plugin", plugin, "server", grant.IMAPAddr, "user", grant.Username)
		return nil, c.fail(ctx, abi.CodeUnauthorized, "imap login as "+grant.Username, errors.New("rejected by the server"))
	}
	sel, err := ic.Select(mailbox, nil).Wait()
	if err != nil {
		return nil, c.fail(ctx, abi.CodeNotFound, "imap select "+mailbox, err)
	}
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
	since := imap.UID(req.SinceUID)
	if since > 0 && sel.UIDNext > 0 && since >= sel.UIDNext {
		c.log.Warn("since_uid is beyond the mailbox's UIDNEXT (mailbox recreated?); fetching all unseen", "plugin", plugin, "mailbox", mailbox)
		since = 0
	}
	if since > 0 {
		criteria.UID = []imap.UIDSet{{imap.UIDRange{Start: since + 1, Stop: 0}}}
	}
	found, err := ic.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, c.fail(ctx, abi.CodeUpstream, "imap search", err)
	}
	var uids []imap.UID
	for _, u := range found.AllUIDs() {
		if u > since { // "n:*" also matches the last message when n > max
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	if len(uids) > limit {
		uids = uids[:limit]
	}
	out := []abi.MailMessage{}
	if len(uids) == 0 {
		_ = ic.Logout().Wait()
		return out, nil
	}
	set := imap.UIDSetNum(uids...)
	sizes, err := ic.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, c.fail(ctx, abi.CodeUpstream, "imap fetch sizes", err)
	}
	var small []imap.UID
	big := map[imap.UID]int64{}
	for _, m := range sizes {
		if m.RFC822Size > c.opts.MaxMessageBytes {
			big[m.UID] = m.RFC822Size
		} else {
			small = append(small, m.UID)
		}
	}
	bodies := map[imap.UID][]byte{}
	if len(small) > 0 {
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := ic.Fetch(imap.UIDSetNum(small...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return nil, c.fail(ctx, abi.CodeUpstream, "imap fetch", err)
		}
		for _, m := range msgs {
			bodies[m.UID] = m.FindBodySection(section)
		}
	}
	for _, u := range uids {
		var mm abi.MailMessage
		if n, ok := big[u]; ok {
			mm = abi.MailMessage{Text: "[message not fetched: larger than the host's limit]"}
			c.log.Warn("mail message too large; body skipped", "plugin", plugin, "uid", uint32(u), "bytes", n)
		} else if raw, ok := bodies[u]; ok {
			var auto bool
			if mm, auto = parseMessageAuto(raw, c.opts.MaxText); auto {
				c.log.Info("automatic mail (auto-reply, bounce) skipped and marked seen", "plugin", plugin, "uid", uint32(u))
				continue
			}
		} else {
			continue // expunged meanwhile
		}
		mm.UID = uint32(u)
		out = append(out, mm)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
	if err := ic.Store(set, store, nil).Close(); err != nil {
		return nil, c.fail(ctx, abi.CodeUpstream, "imap store \\Seen", err)
	}
	_ = ic.Logout().Wait()
	c.log.Debug("mail fetched", "plugin", plugin, "server", grant.IMAPAddr, "mailbox", mailbox, "messages", len(out))
	return out, nil
}
