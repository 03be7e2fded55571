package mail

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/machina-go/machina/internal/sim/simpki"
)

// testPKI is a CA and one server certificate signed by it.
type testPKI struct {
	caPEM  []byte
	caPool *x509.CertPool
	server tls.Certificate
}

// newTestPKI generates a CA and a server certificate for the given names
// (DNS names or IP addresses), valid for a day.
func newTestPKI(names ...string) (*testPKI, error) {
	ca, err := simpki.NewCA("Machina mail simulator test CA")
	if err != nil {
		return nil, err
	}
	leaf, err := ca.Issue(simpki.Server(names...))
	if err != nil {
		return nil, err
	}
	return &testPKI{caPEM: ca.PEM(), caPool: ca.Pool(), server: leaf.TLS()}, nil
}
