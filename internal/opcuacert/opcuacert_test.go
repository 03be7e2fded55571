package opcuacert_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/opcuacert"
)

func TestWriteCertificate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	certPath, keyPath, err := opcuacert.WriteCertificate(dir, "client", opcuacert.CertOptions{
		Hosts: []string{"scada.example", "10.1.2.3"}, Validity: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode = %v, %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(certPath)
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.URIs) != 1 || c.URIs[0].String() != "urn:scada.example:machina:machina" {
		t.Errorf("application URI SAN = %v", c.URIs)
	}
	if len(c.DNSNames) != 1 || c.DNSNames[0] != "scada.example" || len(c.IPAddresses) != 1 || !c.IPAddresses[0].Equal([]byte{10, 1, 2, 3}) {
		t.Errorf("SANs = %v %v", c.DNSNames, c.IPAddresses)
	}
	if c.KeyUsage&x509.KeyUsageDataEncipherment == 0 || c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		t.Errorf("key usage = %b", c.KeyUsage)
	}
	if d := time.Until(c.NotAfter); d > 49*time.Hour || d < 47*time.Hour {
		t.Errorf("validity ends in %s", d)
	}
	if _, _, err := opcuacert.WriteCertificate(dir, "client", opcuacert.CertOptions{}); err == nil {
		t.Error("existing files overwritten")
	}
	if _, _, err := opcuacert.GenerateCertificate(opcuacert.CertOptions{Bits: 1024}); err == nil {
		t.Error("1024-bit key accepted")
	}
}
