package simpki_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"

	"github.com/machina-go/machina/internal/sim/simpki"
)

// A server certificate verifies against its CA for its DNS name and IP
// (RFC 5280 path validation as crypto/x509 implements it), and not against
// an unrelated CA.
func TestIssueVerifies(t *testing.T) {
	ca, err := simpki.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := simpki.NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(simpki.Server("localhost", "127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(leaf.DER)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"localhost", "127.0.0.1"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: other.Pool()}); err == nil {
		t.Error("verified against an unrelated CA")
	}
	if !cert.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) || cert.DNSNames[0] != "localhost" {
		t.Errorf("names: %v %v", cert.DNSNames, cert.IPAddresses)
	}
	key, err := leaf.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(leaf.CertPEM(), key); err != nil {
		t.Errorf("PEM pair: %v", err)
	}
	if got := leaf.TLS(); len(got.Certificate) != 2 {
		t.Errorf("chain of %d certificates, want leaf and CA", len(got.Certificate))
	}
}
