package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/secrets"
)

// Defaults.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxFetch     = 20
	MaxFetchLimit       = 100
	DefaultMaxText      = 64 << 10
	DefaultMaxMessage   = 10 << 20
	DefaultMaxSendBytes = 1 << 20
	maxRecipients       = 20
)

// Secrets resolves named secrets at use; *secrets.Registry implements it.
type Secrets interface {
	Get(ctx context.Context, name string) (secrets.Value, error)
}

// Scrubber learns secret values so they are removed from errors and logs;
// *secrets.Scrubber implements it.
type Scrubber interface {
	Add(values ...string)
	ScrubString(string) string
}

// Options configures a Client.
type Options struct {
	// Secrets resolves the grant's password_secret (required for login).
	Secrets Secrets
	// Scrubber, when set, learns each password used and scrubs errors.
	Scrubber Scrubber
	// Logger receives connection problems (never credentials).
	Logger hclog.Logger
	// Timeout bounds one call when the context has no earlier deadline
	// (default 30 s).
	Timeout time.Duration
	// TLSConfig is cloned for every connection (e.g. MinVersion); RootCAs
	// in it replace the system roots. Default: system roots, TLS 1.2+.
	TLSConfig *tls.Config
	// HelloName is the SMTP EHLO name (default "localhost").
	HelloName string
	// MaxText caps the text of a fetched message (default 64 KiB).
	MaxText int
	// MaxMessageBytes skips bodies of larger messages (default 10 MiB).
	MaxMessageBytes int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sandbox reports whether sandbox mode is on; Send then refuses
	// (defence in depth: the router already keeps send from plugins).
	Sandbox func() bool
}

// Client implements policy.Mailer. It is safe for concurrent use.
type Client struct {
	opts Options
	log  hclog.Logger
}

var _ policy.Mailer = (*Client)(nil)

// New returns a Client.
func New(opts Options) *Client {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.HelloName == "" {
		opts.HelloName = "localhost"
	}
	if opts.MaxText <= 0 {
		opts.MaxText = DefaultMaxText
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessage
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sandbox == nil {
		opts.Sandbox = func() bool { return false }
	}
	return &Client{opts: opts, log: opts.Logger}
}

// tlsMode returns "implicit" or "starttls" for a grant setting and address.
func tlsMode(setting, addr, implicitPort string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(setting)) {
	case "implicit", "tls", "ssl":
		return "implicit", nil
	case "starttls":
		return "starttls", nil
	case "":
		if _, port, err := net.SplitHostPort(addr); err == nil && port == implicitPort {
			return "implicit", nil
		}
		return "starttls", nil
	}
	return "", abi.InvalidArgument("mail grant: TLS mode %q is not supported (want implicit or starttls; plaintext is refused)", setting)
}

// tlsConfig builds the client TLS configuration for a server address:
// system roots (or Options.TLSConfig's) plus the grant's CA file.
func (c *Client) tlsConfig(grant config.MailGrant, addr string) (*tls.Config, error) {
	var conf *tls.Config
	if c.opts.TLSConfig != nil {
		conf = c.opts.TLSConfig.Clone()
	} else {
		conf = &tls.Config{}
	}
	if conf.MinVersion < tls.VersionTLS12 {
		conf.MinVersion = tls.VersionTLS12
	}
	conf.InsecureSkipVerify = false
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, abi.InvalidArgument("mail grant: address %q: want host:port", addr)
	}
	conf.ServerName = host
	if grant.CAFile != "" {
		pem, err := os.ReadFile(grant.CAFile)
		if err != nil {
			return nil, abi.Unavailable("mail grant: ca_file cannot be read: %v", errors.Unwrap(err))
		}
		pool := conf.RootCAs
		if pool == nil {
			if pool, err = x509.SystemCertPool(); err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
		} else {
			pool = pool.Clone()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, abi.Unavailable("mail grant: ca_file holds no PEM certificate")
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// dial connects to addr under the grant's address policy. The connection
// is closed when ctx ends, which unblocks any protocol exchange.
func (c *Client) dial(ctx context.Context, grant config.MailGrant, addr string) (net.Conn, func(), error) {
	d := &net.Dialer{Timeout: 10 * time.Second, ControlContext: policy.DialControl(grant.AllowPrivate)}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		var de *policy.EgressDeniedError
		if errors.As(err, &de) {
			return nil, nil, abi.Unauthorized("mail server %s: %v", addr, de)
		}
		return nil, nil, abi.Unavailable("mail server %s: connect: %v", addr, unwrapNet(err))
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, func() { stop(); conn.Close() }, nil
}

func unwrapNet(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// password reads the grant's password secret at use and teaches it to the
// scrubber.
func (c *Client) password(ctx context.Context, grant config.MailGrant) (string, error) {
	if grant.PasswordSecret == "" {
		return "", nil
	}
	if c.opts.Secrets == nil {
		return "", abi.Unavailable("mail credentials are not available: no secrets are configured on this host")
	}
	v, err := c.opts.Secrets.Get(ctx, grant.PasswordSecret)
	if err != nil || v.IsZero() {
		if err != nil {
			c.log.Warn("mail password secret is not available", "secret", grant.PasswordSecret, "error", c.scrub(err.Error()))
		}
		return "", abi.Unavailable("mail credentials (secret %q) are not available on this host", grant.PasswordSecret)
	}
	p := v.Reveal()
	if c.opts.Scrubber != nil {
		c.opts.Scrubber.Add(p)
	}
	return p, nil
}

func (c *Client) scrub(s string) string {
	if c.opts.Scrubber != nil {
		return c.opts.Scrubber.ScrubString(s)
	}
	return s
}

// withTimeout applies the default call timeout.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.Timeout)
}

// fail turns err into an *abi.Error with a scrubbed message (abi errors
// keep their code; anything else is code).
func (c *Client) fail(ctx context.Context, code abi.Code, what string, err error) *abi.Error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return &abi.Error{Code: ae.Code, Message: c.scrub(ae.Message)}
	}
	if ctx.Err() != nil {
		return abi.Unavailable("%s: timed out or cancelled", what)
	}
	return &abi.Error{Code: code, Message: c.scrub(fmt.Sprintf("%s: %v", what, err))}
}

// conn is a connection to a mail server: TLS already when the grant says
// implicit TLS, else plain for the protocol's STARTTLS.
type conn struct {
	nc       net.Conn // the *tls.Conn when implicit (protocol clients check for it)
	implicit bool
	tls      *tls.Config // for STARTTLS
	password string
	close    func()
}

// connect resolves the grant's TLS mode, TLS configuration and password,
// dials addr under the grant's network rules and, for implicit TLS, does
// the handshake. proto names the protocol in errors ("smtp", "imap").
// needLogin refuses a grant without username and password before dialling.
func (c *Client) connect(ctx context.Context, grant config.MailGrant, proto, addr, setting, implicitPort string, needLogin bool) (*conn, error) {
	mode, err := tlsMode(setting, addr, implicitPort)
	if err != nil {
		return nil, err
	}
	conf, err := c.tlsConfig(grant, addr)
	if err != nil {
		return nil, err
	}
	pass, err := c.password(ctx, grant)
	if err != nil {
		return nil, err
	}
	if needLogin && (grant.Username == "" || pass == "") {
		return nil, abi.Unavailable("mail grant: %s needs username and password_secret", strings.ToUpper(proto))
	}
	raw, done, err := c.dial(ctx, grant, addr)
	if err != nil {
		return nil, err
	}
	cn := &conn{nc: raw, tls: conf, password: pass, close: done}
	if mode == "implicit" {
		tc := tls.Client(raw, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			done()
			return nil, c.fail(ctx, abi.CodeUnavailable, proto+" TLS handshake with "+addr, err)
		}
		cn.nc, cn.implicit = tc, true
	}
	return cn, nil
}
