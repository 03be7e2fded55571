// Package simpki issues throw-away certificates for the simulators' TLS
// endpoints and their tests: a certificate authority valid for a day and
// ECDSA P-256 leaf certificates it signs. It stores, trusts and checks
// nothing; production certificates are never made here.
package simpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"time"
)

// CA is a throw-away certificate authority.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA makes a self-signed CA named cn, valid from an hour ago for a day.
func NewCA(cn string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", cn, err)
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true}
	validity(tmpl, x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("%s certificate: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key}, nil
}

// PEM is the CA certificate in PEM.
func (c *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// Pool is a certificate pool trusting only the CA.
func (c *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Cert)
	return p
}

// Leaf is a certificate the CA issued, with its key.
type Leaf struct {
	DER []byte
	Key *ecdsa.PrivateKey
	ca  *CA
}

// Issue signs a new key's certificate from tmpl (subject, names, extended
// key usages); the serial number, validity and key usage are set here.
func (c *CA) Issue(tmpl *x509.Certificate) (Leaf, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Leaf{}, err
	}
	validity(tmpl, x509.KeyUsageDigitalSignature)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &key.PublicKey, c.key)
	if err != nil {
		return Leaf{}, fmt.Errorf("issuing %s: %w", tmpl.Subject.CommonName, err)
	}
	return Leaf{DER: der, Key: key, ca: c}, nil
}

// Server is a template for a server certificate for names, each a DNS
// name or an IP address; the first is the common name.
func Server(names ...string) *x509.Certificate {
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: names[0]}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return tmpl
}

// TLS is the leaf as a tls.Certificate whose chain includes the CA.
func (l Leaf) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{l.DER, l.ca.Cert.Raw}, PrivateKey: l.Key}
}

// CertPEM is the certificate in PEM.
func (l Leaf) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: l.DER})
}

// KeyPEM is the private key in PEM (SEC 1, "EC PRIVATE KEY").
func (l Leaf) KeyPEM() ([]byte, error) {
	b, err := x509.MarshalECPrivateKey(l.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b}), nil
}

// validity sets a validity from an hour ago for a day and the key usage;
// x509.CreateCertificate draws the serial number (a nil SerialNumber).
func validity(tmpl *x509.Certificate, usage x509.KeyUsage) {
	tmpl.SerialNumber = nil
	now := time.Now()
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(24*time.Hour)
	tmpl.KeyUsage = usage
}
