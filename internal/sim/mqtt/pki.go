package mqtt

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"path/filepath"

	"github.com/machina-go/machina/internal/sim/simpki"
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
	ca, err := simpki.NewCA("machina test CA")
	if err != nil {
		return nil, err
	}
	other, err := simpki.NewCA("machina unrelated CA")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.CAFile, ca.PEM(), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.OtherCAFile, other.PEM(), 0o600); err != nil {
		return nil, err
	}
	if err := issue(ca, simpki.Server("localhost", "127.0.0.1", "::1"), p.ServerCert, p.ServerKey); err != nil {
		return nil, err
	}
	client := &x509.Certificate{Subject: pkix.Name{CommonName: "machina"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if err := issue(ca, client, p.ClientCert, p.ClientKey); err != nil {
		return nil, err
	}
	return p, nil
}

// issue writes a certificate the CA signs from tmpl and its key as PEM
// files.
func issue(ca *simpki.CA, tmpl *x509.Certificate, certFile, keyFile string) error {
	leaf, err := ca.Issue(tmpl)
	if err != nil {
		return err
	}
	key, err := leaf.KeyPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(certFile, leaf.CertPEM(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(keyFile, key, 0o600)
}
