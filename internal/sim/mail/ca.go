package mail

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"

	"github.com/machina-go/machina/internal/testpki"
)

// newServerCert generates a CA and a server certificate it signed for
// localhost and the loopback addresses.
func newServerCert() (*testpki.CA, tls.Certificate, error) {
	ca, err := testpki.NewCA("Machina mail simulator test CA")
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	cert, err := ca.Issue(&x509.Certificate{Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return ca, cert, err
}
