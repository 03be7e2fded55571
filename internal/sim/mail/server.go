package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/hashicorp/go-hclog"
)

// MaxMessageBytes caps a submitted message.
const MaxMessageBytes = 4 << 20

// Options configures the servers.
type Options struct {
	// Users maps login (an e-mail address) to password. Each user gets an
	// INBOX. More can be added with AddUser.
	Users map[string]string
	// Host is the interface to listen on (default 127.0.0.1).
	Host string
	// Domain is the SMTP greeting domain (default localhost).
	Domain string
	// InsecureSMTP also starts a misconfigured SMTP listener without TLS
	// that accepts AUTH in plain text (SMTPInsecureAddr), so tests can show
	// the client refuses to authenticate there.
	InsecureSMTP bool
	// Logger receives server errors (never passwords). Default: null.
	Logger hclog.Logger
}

// Envelope is one message accepted over SMTP.
type Envelope struct {
	// User is the authenticated login.
	User string
	From string
	To   []string
	Data []byte
	// TLS reports whether the session was encrypted (always true except on
	// the insecure listener).
	TLS bool
}

// Server is a running SMTP + IMAP pair sharing one set of mailboxes.
type Server struct {
	// SMTPStartTLSAddr is a submission listener that requires STARTTLS
	// before AUTH; SMTPImplicitAddr speaks TLS from the first byte.
	SMTPStartTLSAddr string
	SMTPImplicitAddr string
	// SMTPInsecureAddr is set with Options.InsecureSMTP.
	SMTPInsecureAddr string
	// IMAPStartTLSAddr and IMAPImplicitAddr are the IMAP listeners.
	IMAPStartTLSAddr string
	IMAPImplicitAddr string

	log      hclog.Logger
	pki      *testPKI
	mem      *imapmemserver.Server
	smtp     *smtp.Server
	insecure *smtp.Server
	imap     *imapserver.Server
	wg       sync.WaitGroup

	mu       sync.Mutex
	users    map[string]*imapmemserver.User
	pass     map[string]string
	received []Envelope
	wake     chan struct{}
	closed   bool
}

// Start generates the test CA and starts every listener on random ports.
func Start(opts Options) (*Server, error) {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Domain == "" {
		opts.Domain = "localhost"
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	pki, err := newTestPKI("localhost", "127.0.0.1", "::1")
	if err != nil {
		return nil, fmt.Errorf("mail sim: %w", err)
	}
	s := &Server{log: opts.Logger, pki: pki, mem: imapmemserver.New(),
		users: map[string]*imapmemserver.User{}, pass: map[string]string{}, wake: make(chan struct{})}
	for u, p := range opts.Users {
		if err := s.AddUser(u, p); err != nil {
			return nil, err
		}
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{pki.server}, MinVersion: tls.VersionTLS12}
	std := opts.Logger.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})

	s.smtp = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, c: c}, nil }))
	s.smtp.Domain = opts.Domain
	s.smtp.TLSConfig = tlsConf
	s.smtp.MaxMessageBytes = MaxMessageBytes
	s.smtp.MaxRecipients = 50
	s.smtp.ErrorLog = std
	s.smtp.AllowInsecureAuth = false

	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		TLSConfig:    tlsConf,
		InsecureAuth: false,
		Logger:       std,
	})

	listen := func(implicit bool) (net.Listener, error) {
		ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, "0"))
		if err != nil {
			return nil, err
		}
		if implicit {
			return tls.NewListener(ln, tlsConf), nil
		}
		return ln, nil
	}
	var lns []net.Listener
	fail := func(err error) (*Server, error) {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, fmt.Errorf("mail sim: %w", err)
	}
	for _, l := range []struct {
		addr     *string
		implicit bool
		serve    func(net.Listener) error
	}{
		{&s.SMTPStartTLSAddr, false, s.smtp.Serve},
		{&s.SMTPImplicitAddr, true, s.smtp.Serve},
		{&s.IMAPStartTLSAddr, false, s.imap.Serve},
		{&s.IMAPImplicitAddr, true, s.imap.Serve},
	} {
		ln, err := listen(l.implicit)
		if err != nil {
			return fail(err)
		}
		lns = append(lns, ln)
		*l.addr = ln.Addr().String()
		serve := l.serve
		s.wg.Add(1)
		go func() { defer s.wg.Done(); _ = serve(ln) }()
	}
	if opts.InsecureSMTP {
		s.insecure = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, c: c}, nil }))
		s.insecure.Domain = opts.Domain
		s.insecure.AllowInsecureAuth = true
		s.insecure.ErrorLog = std
		ln, err := listen(false)
		if err != nil {
			return fail(err)
		}
		s.SMTPInsecureAddr = ln.Addr().String()
		s.wg.Add(1)
		go func() { defer s.wg.Done(); _ = s.insecure.Serve(ln) }()
	}
	return s, nil
}

// Close stops every listener and connection.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := errors.Join(s.smtp.Close(), s.imap.Close())
	if s.insecure != nil {
		err = errors.Join(err, s.insecure.Close())
	}
	s.wg.Wait()
	return err
}

// CAPEM returns the PEM of the test CA that signed the server certificate.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.pki.caPEM...) }

// WriteCA writes the test CA to path (mode 0644) for clients' ca_file.
func (s *Server) WriteCA(path string) error { return os.WriteFile(path, s.pki.caPEM, 0o644) }

// ClientTLSConfig returns a client TLS configuration trusting the test CA.
func (s *Server) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.pki.caPool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}

// AddUser creates a user (login = address) with an INBOX.
func (s *Server) AddUser(login, password string) error {
	key := strings.ToLower(login)
	u := imapmemserver.NewUser(login, password)
	if err := u.Create("INBOX", nil); err != nil {
		return fmt.Errorf("mail sim: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[key]; ok {
		return fmt.Errorf("mail sim: user %s exists", login)
	}
	s.users[key] = u
	s.pass[key] = password
	s.mem.AddUser(u)
	return nil
}

type literal struct {
	*bytes.Reader
}

func (l literal) Size() int64 { return l.Reader.Size() }

// Deliver appends a raw RFC 5322 message to the INBOX of a local user, as
// if it had arrived from outside.
func (s *Server) Deliver(to string, raw []byte) error {
	s.mu.Lock()
	u := s.users[strings.ToLower(to)]
	s.mu.Unlock()
	if u == nil {
		return fmt.Errorf("mail sim: no user %s", to)
	}
	if _, err := u.Append("INBOX", literal{bytes.NewReader(raw)}, &imap.AppendOptions{}); err != nil {
		return fmt.Errorf("mail sim: append: %w", err)
	}
	return nil
}

// Unseen returns the number of unseen messages in a user's INBOX.
func (s *Server) Unseen(user string) (int, error) {
	s.mu.Lock()
	u := s.users[strings.ToLower(user)]
	s.mu.Unlock()
	if u == nil {
		return 0, fmt.Errorf("mail sim: no user %s", user)
	}
	st, err := u.Status("INBOX", &imap.StatusOptions{NumUnseen: true, NumMessages: true})
	if err != nil {
		return 0, err
	}
	return int(*st.NumUnseen), nil
}

// Received returns the messages accepted over SMTP, in order.
func (s *Server) Received() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Envelope(nil), s.received...)
}

// WaitReceived waits until at least n messages were accepted over SMTP.
func (s *Server) WaitReceived(ctx context.Context, n int) ([]Envelope, error) {
	for {
		s.mu.Lock()
		if len(s.received) >= n {
			out := append([]Envelope(nil), s.received...)
			s.mu.Unlock()
			return out, nil
		}
		w := s.wake
		s.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return s.Received(), fmt.Errorf("waiting for %d messages: %w", n, ctx.Err())
		}
	}
}

// checkLogin verifies a login (constant time on the password).
func (s *Server) checkLogin(user, password string) bool {
	s.mu.Lock()
	u := s.users[strings.ToLower(user)]
	s.mu.Unlock()
	return u != nil && u.Login(user, password) == nil
}

// smtpSession is one SMTP submission session: AUTH PLAIN is required
// before MAIL.
type smtpSession struct {
	s    *Server
	c    *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if !ss.s.checkLogin(username, password) {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if _, err := mail.ParseAddress(to); err != nil {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return err
	}
	if len(data) > MaxMessageBytes {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too big"}
	}
	_, isTLS := ss.c.TLSConnectionState()
	env := Envelope{User: ss.user, From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: isTLS}
	for _, rcpt := range ss.to {
		if err := ss.s.Deliver(rcpt, data); err != nil {
			ss.s.log.Debug("recipient is not local; message recorded only", "rcpt", rcpt)
		}
	}
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, env)
	close(ss.s.wake)
	ss.s.wake = make(chan struct{})
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }
