package mqtt

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"os"
	"path/filepath"

	"github.com/machina-go/machina/internal/testpki"
)

// PKI is a throw-away certificate authority with a server certificate for
// 127.0.0.1/localhost and a client certificate, as PEM files.
type PKI struct {
	CAFile     string
	ServerCert string
	ServerKey  string
	ClientCert string
	ClientKey  string
	// OtherCAFile is a CA that signed nothing here: trusting it instead of
	// CAFile must make the TLS handshake fail.
	OtherCAFile string
}

// NewPKI writes a CA, a server and a client certificate into dir.
func NewPKI(dir string) (*PKI, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &PKI{
		CAFile: filepath.Join(dir, "ca.pem"), ServerCert: filepath.Join(dir, "server.pem"), ServerKey: filepath.Join(dir, "server.key"),
		ClientCert: filepath.Join(dir, "client.pem"), ClientKey: filepath.Join(dir, "client.key"), OtherCAFile: filepath.Join(dir, "other-ca.pem"),
	}
	ca, err := testpki.NewCA("machina test CA")
	if err != nil {
		return nil, err
	}
	other, err := testpki.NewCA("machina unrelated CA")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.CAFile, ca.PEM(), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.OtherCAFile, other.PEM(), 0o600); err != nil {
		return nil, err
	}
	server := &x509.Certificate{Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if err := issue(ca, server, p.ServerCert, p.ServerKey); err != nil {
		return nil, err
	}
	client := &x509.Certificate{Subject: pkix.Name{CommonName: "machina"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if err := issue(ca, client, p.ClientCert, p.ClientKey); err != nil {
		return nil, err
	}
	return p, nil
}

// issue signs tmpl with ca and writes the certificate and its key.
func issue(ca *testpki.CA, tmpl *x509.Certificate, certFile, keyFile string) error {
	c, err := ca.Issue(tmpl)
	if err != nil {
		return err
	}
	return testpki.WriteKeyPair(c, certFile, keyFile)
}
