package mail

import (
	"context"
	"errors"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
)

// maxSeenUIDs caps MailFetchRequest.Seen.
const maxSeenUIDs = 1000

// Fetch implements policy.Mailer: unseen messages of the mailbox (and, with
// SinceUID, only those with a larger UID), oldest first, at most req.Max,
// marked \Seen once fetched — unless req.Peek is set (ABI 1.4), when only
// automatic mail the plugin never sees is marked. req.Seen (ABI 1.4) is
// marked \Seen before the search: the plugin's acknowledgement of
// messages it fetched earlier with Peek.
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
	if len(req.Seen) > maxSeenUIDs {
		return nil, abi.InvalidArgument("seen lists %d UIDs; at most %d per call", len(req.Seen), maxSeenUIDs)
	}
	ic, done, err := c.loginIMAP(ctx, plugin, grant)
	if err != nil {
		return nil, err
	}
	defer done()
	sel, err := c.selectMailbox(ctx, ic, mailbox)
	if err != nil {
		return nil, err
	}
	if len(req.Seen) > 0 {
		acked := make([]imap.UID, len(req.Seen))
		for i, u := range req.Seen {
			acked[i] = imap.UID(u)
		}
		if err := c.markSeen(ctx, ic, acked); err != nil {
			return nil, err
		}
	}
	uids, err := c.unseen(ctx, ic, plugin, mailbox, sel.UIDNext, imap.UID(req.SinceUID), limit)
	if err != nil {
		return nil, err
	}
	out := []abi.MailMessage{}
	if len(uids) == 0 {
		_ = ic.Logout().Wait()
		return out, nil
	}
	var skipped []imap.UID
	if out, skipped, err = c.messages(ctx, ic, plugin, uids); err != nil {
		return nil, err
	}
	mark := uids
	if req.Peek {
		mark = skipped // automatic mail is never returned, so never acknowledged
	}
	if err := c.markSeen(ctx, ic, mark); err != nil {
		return nil, err
	}
	_ = ic.Logout().Wait()
	c.log.Debug("mail fetched", "plugin", plugin, "server", grant.IMAPAddr, "mailbox", mailbox, "messages", len(out))
	return out, nil
}

// loginIMAP connects to the grant's IMAP server and logs in; done closes
// the session and the connection.
func (c *Client) loginIMAP(ctx context.Context, plugin string, grant config.MailGrant) (*imapclient.Client, func(), error) {
	cn, err := c.connect(ctx, grant, "imap", grant.IMAPAddr, grant.IMAPTLS, "993", true)
	if err != nil {
		return nil, nil, err
	}
	opts := &imapclient.Options{TLSConfig: cn.tls}
	var ic *imapclient.Client
	if cn.implicit {
		ic = imapclient.New(cn.nc, opts)
	} else if ic, err = imapclient.NewStartTLS(cn.nc, opts); err != nil {
		cn.close()
		return nil, nil, c.fail(ctx, abi.CodeUnavailable, "imap STARTTLS with "+grant.IMAPAddr, err)
	}
	done := func() {
		ic.Close()
		cn.close()
	}
	if err := ic.WaitGreeting(); err != nil {
		done()
		return nil, nil, c.fail(ctx, abi.CodeUnavailable, "imap greeting", err)
	}
	if err := ic.Login(grant.Username, cn.password).Wait(); err != nil {
		done()
		c.log.Warn("imap login failed", "plugin", plugin, "server", grant.IMAPAddr, "user", grant.Username)
		return nil, nil, c.fail(ctx, abi.CodeUnauthorized, "imap login as "+grant.Username, errors.New("rejected by the server"))
	}
	return ic, done, nil
}

// selectMailbox selects mailbox.
func (c *Client) selectMailbox(ctx context.Context, ic *imapclient.Client, mailbox string) (*imap.SelectData, error) {
	sel, err := ic.Select(mailbox, nil).Wait()
	if err != nil {
		return nil, c.fail(ctx, abi.CodeNotFound, "imap select "+mailbox, err)
	}
	return sel, nil
}

// markSeen adds \Seen to uids of the selected mailbox (none: no command).
func (c *Client) markSeen(ctx context.Context, ic *imapclient.Client, uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
	if err := ic.Store(imap.UIDSetNum(uids...), store, nil).Close(); err != nil {
		return c.fail(ctx, abi.CodeUpstream, "imap store \\Seen", err)
	}
	return nil
}

// unseen returns the UIDs of the selected mailbox's unseen messages above
// since, oldest first, at most limit; uidNext is the mailbox's UIDNEXT.
func (c *Client) unseen(ctx context.Context, ic *imapclient.Client, plugin, mailbox string, uidNext, since imap.UID, limit int) ([]imap.UID, error) {
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
	if since > 0 && uidNext > 0 && since >= uidNext {
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
	return uids, nil
}

// messages fetches and parses the messages uids (in that order): a
// message larger than the host's limit is returned without its body, an
// automatic one (auto-reply, bounce) is skipped and listed in skipped.
func (c *Client) messages(ctx context.Context, ic *imapclient.Client, plugin string, uids []imap.UID) (out []abi.MailMessage, skipped []imap.UID, err error) {
	sizes, err := ic.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, nil, c.fail(ctx, abi.CodeUpstream, "imap fetch sizes", err)
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
			return nil, nil, c.fail(ctx, abi.CodeUpstream, "imap fetch", err)
		}
		for _, m := range msgs {
			bodies[m.UID] = m.FindBodySection(section)
		}
	}
	out = []abi.MailMessage{}
	for _, u := range uids {
		var mm abi.MailMessage
		if n, ok := big[u]; ok {
			mm = abi.MailMessage{Text: "[message not fetched: larger than the host's limit]"}
			c.log.Warn("mail message too large; body skipped", "plugin", plugin, "uid", uint32(u), "bytes", n)
		} else if raw, ok := bodies[u]; ok {
			var auto bool
			if mm, auto = parseMessageAuto(raw, c.opts.MaxText); auto {
				c.log.Info("automatic mail (auto-reply, bounce) skipped and marked seen", "plugin", plugin, "uid", uint32(u))
				skipped = append(skipped, u)
				continue
			}
		} else {
			continue // expunged meanwhile
		}
		mm.UID = uint32(u)
		out = append(out, mm)
	}
	return out, skipped, nil
}
