package policy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/opctx"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/internal/wire"
)

// Secrets resolves named secrets at use; *secrets.Registry implements it.
// Errors must name the secret, never its value.
type Secrets interface {
	Get(ctx context.Context, name string) (secrets.Value, error)
}

// Scrubber removes known secret values from text and learns new ones (the
// oauth2 access tokens the host fetches); *secrets.Scrubber implements it.
type Scrubber interface {
	ScrubString(string) string
	ScrubBytes([]byte) []byte
	Add(values ...string)
	AddBasicAuth(user, password string)
}

// HTTPEvent describes one outbound request a plugin asked for, refused or
// performed. It never carries credentials, headers, bodies or the query
// string.
type HTTPEvent struct {
	Plugin string
	Method string
	// Origin is scheme://host:port ("" when the URL did not parse).
	Origin string
	// Path is the URL path as the plugin wrote it (placeholders such as
	// {{auth}} left in place), without the query string.
	Path          string
	Status        int
	RequestBytes  int64
	ResponseBytes int64
	Duration      time.Duration
	// Refusal is the policy's reason when the host refused the request.
	Refusal string
	// Error is the transport failure, if any (scrubbed).
	Error string
}

// HTTPObserver receives one event per outbound plugin request (the tracer's
// child records). ObserveHTTP must not block for long.
type HTTPObserver interface {
	ObserveHTTP(ctx context.Context, ev HTTPEvent)
}

// Mailer speaks SMTP/IMAP for plugins granted mail (issue #11). The policy
// host calls it only after checking the grant.
type Mailer interface {
	Send(ctx context.Context, plugin string, grant config.MailGrant, msg abi.MailMessage) (messageID string, err error)
	Fetch(ctx context.Context, plugin string, grant config.MailGrant, req abi.MailFetchRequest) ([]abi.MailMessage, error)
}

// Options configures a Host.
type Options struct {
	// Policy is the effective policy (see Resolve).
	Policy Policy
	// Secrets resolves secret names; nil means no secret is available.
	Secrets Secrets
	// Scrubber removes secret values from responses and logs; nil means a
	// private scrubber fed only with the values this Host reads.
	Scrubber Scrubber
	// Logger receives the plugin's log lines and the host's refusals; it
	// should already be named after the plugin.
	Logger hclog.Logger
	// KVDir holds the plugin's key-value file <KVDir>/<plugin>.json. Empty
	// keeps the store in memory only.
	KVDir string
	// Sandbox reports whether sandbox mode is on (only GET and HEAD pass).
	Sandbox func() bool
	// Observer, when set, receives one event per outbound request.
	Observer HTTPObserver
	// Mailer implements mail for plugins granted mail; nil refuses.
	Mailer Mailer
	// TLSConfig, when set, is cloned for outbound TLS (e.g. extra roots for
	// on-premise systems); default system roots.
	TLSConfig *tls.Config
	// LogRate and LogBurst size the log token bucket (default 50/s, 200).
	LogRate  float64
	LogBurst int
	// MaxLogMessage caps a log message in bytes (default 2048).
	MaxLogMessage int
	// Now is the clock (default time.Now); tests may replace it.
	Now func() time.Time
}

// Host implements plugin.Host for one plugin under its effective policy. It
// is safe for concurrent use by the plugin's instances.
type Host struct {
	pol      Policy
	secrets  Secrets
	scrub    Scrubber
	log      hclog.Logger
	sandbox  func() bool
	observer HTTPObserver
	mailer   Mailer
	now      func() time.Time

	jar          http.CookieJar
	clients      map[string]*http.Client // by origin string
	tokenClients [2]*http.Client
	tokens       *tokenCache
	rate         *bucket
	unlimited    bool // no requests_per_minute limit
	logs         *logLimiter
	notices      noticeLog
	kv           *kvStore

	closeOnce sync.Once
}

// New builds the Host for one plugin.
func New(opts Options) (*Host, error) {
	if opts.Policy.Plugin == "" {
		return nil, errors.New("policy: plugin name is empty")
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Scrubber == nil {
		opts.Scrubber = secrets.NewScrubber()
	}
	if opts.Sandbox == nil {
		opts.Sandbox = func() bool { return false }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LogRate <= 0 {
		opts.LogRate = 50
	}
	if opts.LogBurst <= 0 {
		opts.LogBurst = 200
	}
	if opts.MaxLogMessage <= 0 {
		opts.MaxLogMessage = 2048
	}
	pol := opts.Policy
	if pol.HTTP == (HTTPLimits{}) {
		pol.HTTP = limitsOf(config.Limits{})
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("policy: cookie jar: %w", err)
	}
	h := &Host{
		pol:          pol,
		secrets:      opts.Secrets,
		scrub:        opts.Scrubber,
		log:          opts.Logger,
		sandbox:      opts.Sandbox,
		observer:     opts.Observer,
		mailer:       opts.Mailer,
		now:          opts.Now,
		jar:          jar,
		clients:      map[string]*http.Client{},
		tokenClients: newTokenClients(opts.TLSConfig),
		tokens:       newTokenCache(),
		rate:         newBucket(float64(pol.HTTP.RequestsPerMinute)/60, float64(pol.HTTP.RequestsPerMinute), opts.Now),
		unlimited:    pol.HTTP.RequestsPerMinute <= 0,
		logs:         newLogLimiter(opts.LogRate, opts.LogBurst, opts.MaxLogMessage, opts.Now),
	}
	for i := range pol.Origins {
		o := &pol.Origins[i]
		h.clients[o.String()] = newClient(o, jar, opts.TLSConfig)
	}
	if pol.KVQuota > 0 {
		h.kv, err = openKV(opts.KVDir, pol.Plugin, pol.KVQuota)
		if err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Policy returns the effective policy this Host enforces.
func (h *Host) Policy() Policy { return h.pol }

// Close reports suppressed log lines and releases idle connections.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.logs.flush(h.log)
		for _, c := range h.clients {
			c.CloseIdleConnections()
		}
		for _, c := range h.tokenClients {
			c.CloseIdleConnections()
		}
	})
	return nil
}

// mailCheck refuses a mail call unless mail is granted and this host has a
// mail transport.
func (h *Host) mailCheck() *abi.Error {
	if h.pol.Mail == nil {
		return abi.Unauthorized("mail is not granted")
	}
	if h.mailer == nil {
		return abi.Unavailable("mail is granted but this host has no mail transport")
	}
	return nil
}

// MailSend implements plugin.Host.
func (h *Host) MailSend(ctx context.Context, req wire.MailSendRequest) wire.MailSendResponse {
	if e := h.mailSendRefusal(req); e != nil {
		return wire.MailSendResponse{Error: noted(ctx, e)}
	}
	id, err := h.mailer.Send(ctx, h.pol.Plugin, *h.pol.Mail, req.Message)
	if err != nil {
		return wire.MailSendResponse{Error: h.scrubError(err)}
	}
	return wire.MailSendResponse{MessageID: id}
}

// mailSendRefusal is the reason a send may not go out: mail not granted,
// no transport, sandbox mode, or a recipient outside the grant.
func (h *Host) mailSendRefusal(req wire.MailSendRequest) *abi.Error {
	if e := h.mailCheck(); e != nil {
		return e
	}
	if h.sandbox != nil && h.sandbox() {
		return abi.Unauthorized("sandbox mode: mail_send is refused")
	}
	if e := checkRecipients(*h.pol.Mail, req.Message.To); e != nil {
		h.log.Warn("plugin mail refused", "reason", e.Message)
		return e
	}
	return nil
}

// noted is e, after noting in the call's context (opctx.NoteRefusal) that
// the host refused the plugin's request when e is unauthorized.
func noted(ctx context.Context, e *abi.Error) *abi.Error {
	if e.Code == abi.CodeUnauthorized {
		opctx.NoteRefusal(ctx)
	}
	return e
}

// checkRecipients refuses a message with any recipient outside the grant's
// allowed_recipients (the plugin's own allow-lists are not a boundary).
func checkRecipients(g config.MailGrant, to []string) *abi.Error {
	if g.AllowAnyRecipient {
		return nil
	}
	if len(g.AllowedRecipients) == 0 {
		return abi.Unauthorized("the mail grant lists no allowed_recipients: every send is refused (set [plugin.grant.mail] allowed_recipients)")
	}
	for _, s := range to {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return abi.InvalidArgument("recipient %q is not a valid address", truncate(s, 100))
		}
		if !g.RecipientAllowed(a.Address) {
			return abi.Unauthorized("recipient %s is not in the mail grant's allowed_recipients; nothing was sent", truncate(a.Address, 100))
		}
	}
	return nil
}

// MailFetch implements plugin.Host.
func (h *Host) MailFetch(ctx context.Context, req abi.MailFetchRequest) wire.MailFetchResponse {
	if e := h.mailCheck(); e != nil {
		return wire.MailFetchResponse{Error: noted(ctx, e)}
	}
	msgs, err := h.mailer.Fetch(ctx, h.pol.Plugin, *h.pol.Mail, req)
	if err != nil {
		return wire.MailFetchResponse{Error: h.scrubError(err)}
	}
	for i := range msgs {
		m := &msgs[i]
		m.Subject, m.Text, m.From = h.scrub.ScrubString(m.Subject), h.scrub.ScrubString(m.Text), h.scrub.ScrubString(m.From)
	}
	return wire.MailFetchResponse{Messages: msgs}
}

// scrubError turns any error into an *abi.Error with a scrubbed message.
func (h *Host) scrubError(err error) *abi.Error {
	e := *abi.AsError(err)
	e.Message = h.scrub.ScrubString(e.Message)
	return &e
}
