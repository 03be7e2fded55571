package mqtt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/internal/syncbuf"
)

// ErrNoMosquitto is returned when the mosquitto binary cannot be found.
var ErrNoMosquitto = errors.New("mosquitto not found: install it (Debian/Ubuntu: apt-get install -y mosquitto) or set MACHINA_MOSQUITTO to its path")

// Options configure a broker.
type Options struct {
	// Dir holds the configuration, certificates and password file
	// (required; a test's TempDir).
	Dir string
	// TLS serves MQTT over TLS with a generated PKI (see PKI).
	TLS bool
	// RequireClientCert makes the broker demand a client certificate
	// signed by the generated CA (TLS only).
	RequireClientCert bool
	// Users, when set, turns off anonymous access: each user name maps to
	// its password (hashed into the password file, never on a command
	// line).
	Users map[string]string
	// Binary overrides the mosquitto executable (default $MACHINA_MOSQUITTO,
	// else "mosquitto" on PATH, else /usr/sbin/mosquitto).
	Binary string
}

// Broker is a running mosquitto.
type Broker struct {
	opts Options
	port int
	pki  *PKI
	conf string
	log  *syncbuf.Buffer

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error
}

// Binary finds the mosquitto executable.
func Binary(override string) (string, error) {
	for _, c := range []string{override, os.Getenv("MACHINA_MOSQUITTO")} {
		if c != "" {
			return c, nil
		}
	}
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrNoMosquitto
}

// passwdTool finds mosquitto_passwd on PATH or next to the broker.
func passwdTool(broker string) (string, error) {
	if p, err := exec.LookPath("mosquitto_passwd"); err == nil {
		return p, nil
	}
	for _, dir := range []string{filepath.Dir(broker), "/usr/bin", "/usr/local/bin"} {
		p := filepath.Join(dir, "mosquitto_passwd")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("mosquitto_passwd not found (it ships with the mosquitto package)")
}

// Start writes the configuration and starts mosquitto on a free loopback
// port, returning once it accepts connections.
func Start(ctx context.Context, o Options) (*Broker, error) {
	bin, err := Binary(o.Binary)
	if err != nil {
		return nil, err
	}
	o.Binary = bin
	if o.Dir == "" {
		return nil, errors.New("mqtt sim: Options.Dir is required")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := &Broker{opts: o, port: port, log: &syncbuf.Buffer{}}
	if o.TLS {
		if b.pki, err = NewPKI(filepath.Join(o.Dir, "pki")); err != nil {
			return nil, err
		}
	}
	if err := b.writeConfig(ctx); err != nil {
		return nil, err
	}
	if err := b.Restart(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (b *Broker) writeConfig(ctx context.Context) error {
	var c strings.Builder
	fmt.Fprintf(&c, "per_listener_settings false\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n")
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		// mosquitto started as root drops to the "mosquitto" user, which
		// cannot read a test's private directory: stay who we are.
		c.WriteString("user root\n")
	}
	fmt.Fprintf(&c, "listener %d 127.0.0.1\n", b.port)
	if b.pki != nil {
		fmt.Fprintf(&c, "cafile %s\ncertfile %s\nkeyfile %s\ntls_version tlsv1.2\n", b.pki.CAFile, b.pki.ServerCert, b.pki.ServerKey)
		if b.opts.RequireClientCert {
			c.WriteString("require_certificate true\n")
		}
	}
	if len(b.opts.Users) == 0 {
		c.WriteString("allow_anonymous true\n")
	} else {
		pw := filepath.Join(b.opts.Dir, "passwd")
		var lines strings.Builder
		for u, p := range b.opts.Users {
			fmt.Fprintf(&lines, "%s:%s\n", u, p)
		}
		if err := os.WriteFile(pw, []byte(lines.String()), 0o600); err != nil {
			return err
		}
		// -U hashes the plain-text file in place: no password on a command line.
		tool, err := passwdTool(b.opts.Binary)
		if err != nil {
			return err
		}
		if out, err := exec.CommandContext(ctx, tool, "-U", pw).CombinedOutput(); err != nil {
			return fmt.Errorf("mosquitto_passwd -U: %v: %s", err, out)
		}
		fmt.Fprintf(&c, "allow_anonymous false\npassword_file %s\n", pw)
	}
	b.conf = filepath.Join(b.opts.Dir, "mosquitto.conf")
	return os.WriteFile(b.conf, []byte(c.String()), 0o600)
}

// Restart starts mosquitto (again) on the same port and waits until it
// accepts connections. Stop it first.
func (b *Broker) Restart(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		return errors.New("mqtt sim: broker already running")
	}
	cmd := exec.Command(b.opts.Binary, "-c", b.conf)
	cmd.Stdout, cmd.Stderr = b.log, b.log
	cmd.Dir = b.opts.Dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting mosquitto: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b.cmd, b.exited = cmd, exited
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", b.Addr(), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case err := <-exited:
			b.cmd = nil
			return fmt.Errorf("mosquitto exited at start (%v): %s", err, b.log.String())
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			b.cmd = nil
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			b.cmd = nil
			return fmt.Errorf("mosquitto did not listen on %s within 15s: %s", b.Addr(), b.log.String())
		}
	}
}

// Stop kills the broker process (an abrupt failure, as a crash or a
// restart looks to clients) and waits until it has exited.
func (b *Broker) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return
	}
	_ = b.cmd.Process.Kill()
	<-b.exited // the process is gone and its output copied
	b.cmd = nil
}

// Close stops the broker.
func (b *Broker) Close() { b.Stop() }

// Addr is 127.0.0.1:port.
func (b *Broker) Addr() string { return "127.0.0.1:" + strconv.Itoa(b.port) }

// URL is the broker URL in Machina's configuration spelling (mqtt:// or
// mqtts://).
func (b *Broker) URL() string {
	if b.pki != nil {
		return "mqtts://" + b.Addr()
	}
	return "mqtt://" + b.Addr()
}

// PKI is the generated certificate set (nil without TLS).
func (b *Broker) PKI() *PKI { return b.pki }
