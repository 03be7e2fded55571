package opcua

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/gopcua/opcua/ua"
	"github.com/gopcua/opcua/uacp"
	"github.com/gopcua/opcua/uasc"
)

// proxy forwards TCP connections from the public address to the gopcua
// server's internal one. gopcua's Server.Close sends CloseSecureChannel but
// leaves TCP connections open until the client gives up; closing the proxy
// drops every connection at once, like a real server restart, so Stop is
// immediate and clients notice at once.
//
// When check is set, the proxy also enforces the server's client
// certificate trust list, which gopcua's server lacks: it reads the
// client's first OpenSecureChannel request, whose asymmetric security
// header carries the client certificate in clear, and answers an untrusted
// certificate with an ERR message (Bad_CertificateUntrusted) before the
// request reaches gopcua.
type proxy struct {
	ln     net.Listener
	target string
	check  func(policyURI string, senderCert []byte) error

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func startProxy(addr, target string, check func(string, []byte) error) (*proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: target, check: check, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c, up) {
			return
		}
		p.wg.Add(2)
		go p.pipe(c, up)
		go func() {
			if p.check != nil && !p.screen(c, up) {
				p.wg.Done()
				return
			}
			p.pipe(up, c)
		}()
	}
}

// maxHandshakeMsg bounds the HEL and OPN messages read while screening.
const maxHandshakeMsg = 1 << 20

// readMsg reads one framed UACP message (8-byte header with its size).
func readMsg(r io.Reader) ([]byte, error) {
	hdr := make([]byte, 8)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n < 8 || n > maxHandshakeMsg {
		return nil, fmt.Errorf("handshake message of %d bytes", n)
	}
	b := make([]byte, n)
	copy(b, hdr)
	_, err := io.ReadFull(r, b[8:])
	return b, err
}

// screen forwards the client's HEL and checks the certificate in its first
// OPN; it reports whether the connection may proceed.
func (p *proxy) screen(client, up net.Conn) bool {
	fail := func() bool { client.Close(); up.Close(); return false }
	hel, err := readMsg(client)
	if err != nil || string(hel[:3]) != "HEL" {
		return fail()
	}
	if _, err := up.Write(hel); err != nil {
		return fail()
	}
	opn, err := readMsg(client)
	if err != nil {
		return fail()
	}
	if string(opn[:3]) == "OPN" {
		m := new(uasc.MessageChunk)
		if _, err := m.Decode(opn); err != nil || m.AsymmetricSecurityHeader == nil {
			return fail()
		}
		if err := p.check(m.SecurityPolicyURI, m.SenderCertificate); err != nil {
			body, _ := (&uacp.Error{ErrorCode: uint32(ua.StatusBadCertificateUntrusted), Reason: err.Error()}).Encode()
			msg := append([]byte("ERRF"), binary.LittleEndian.AppendUint32(nil, uint32(8+len(body)))...)
			_, _ = client.Write(append(msg, body...))
			return fail()
		}
	}
	if _, err := up.Write(opn); err != nil {
		return fail()
	}
	return true
}

func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	// one direction ended: end both so neither side waits
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// Close stops accepting, drops every connection and waits for the pipes.
func (p *proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}
