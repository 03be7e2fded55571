// Package opcuacert generates self-signed OPC-UA application instance
// certificates, for Machina's OPC-UA client ("machina opcua gen-cert") and
// for the demo plant simulator. It loads, trusts and checks nothing: that
// belongs to the OPC-UA client.
package opcuacert

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// CertOptions describes a self-signed OPC-UA application instance
// certificate.
type CertOptions struct {
	// Hosts become DNS or IP subject alternative names (default: localhost,
	// 127.0.0.1 and the machine's host name).
	Hosts []string
	// ApplicationURI is the URI SAN OPC-UA peers match against the
	// application description (default urn:<host>:machina:<CommonName>,
	// host being the first of Hosts, or the machine's name when Hosts is
	// empty).
	ApplicationURI string
	// CommonName defaults to "machina".
	CommonName string
	// Validity defaults to 365 days.
	Validity time.Duration
	// Bits of the RSA key, default 2048 (the minimum for Basic256Sha256).
	Bits int
	// Server marks the certificate for server use as well (the simulator).
	Server bool
}

// GenerateCertificate returns a PEM certificate and a PEM PKCS#1 RSA key for
// an OPC-UA application: the application URI as URI SAN, the hosts as DNS/IP
// SANs, key usages digitalSignature, nonRepudiation, keyEncipherment and
// dataEncipherment, and extended usage clientAuth (plus serverAuth).
func GenerateCertificate(o CertOptions) (certPEM, keyPEM []byte, err error) {
	if o.CommonName == "" {
		o.CommonName = "machina"
	}
	uriHost := ""
	if len(o.Hosts) == 0 {
		o.Hosts = []string{"localhost", "127.0.0.1"}
		if h, herr := os.Hostname(); herr == nil && h != "" && h != "localhost" {
			o.Hosts = append(o.Hosts, h)
			uriHost = h
		}
	}
	if uriHost == "" {
		uriHost = o.Hosts[0]
	}
	if o.Validity <= 0 {
		o.Validity = 365 * 24 * time.Hour
	}
	if o.Bits == 0 {
		o.Bits = 2048
	}
	if o.Bits < 2048 {
		return nil, nil, fmt.Errorf("rsa key size %d is too small: use at least 2048 bits", o.Bits)
	}
	if o.ApplicationURI == "" {
		o.ApplicationURI = "urn:" + uriHost + ":machina:" + o.CommonName
	}
	appURI, err := url.Parse(o.ApplicationURI)
	if err != nil || appURI.Scheme == "" {
		return nil, nil, fmt.Errorf("application uri %q is not an absolute URI", o.ApplicationURI)
	}
	key, err := rsa.GenerateKey(rand.Reader, o.Bits)
	if err != nil {
		return nil, nil, fmt.Errorf("generate rsa key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("generate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: o.CommonName, Organization: []string{"Machina"}},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(o.Validity),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment |
			x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		URIs:                  []*url.URL{appURI},
	}
	if o.Server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	for _, h := range o.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return certPEM, keyPEM, nil
}

// WriteCertificate generates a certificate with GenerateCertificate and
// writes DIR/<name>.pem (0644) and DIR/<name>.key (0600), creating DIR with
// mode 0700. It refuses to overwrite existing files.
func WriteCertificate(dir, name string, o CertOptions) (certPath, keyPath string, err error) {
	if name == "" {
		name = "machina"
	}
	certPath, keyPath = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Stat(p); err == nil {
			return "", "", fmt.Errorf("%s already exists; remove it first or choose another --out", p)
		}
	}
	certPEM, keyPEM, err := GenerateCertificate(o)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("create %s: %w", dir, err)
	}
	if err := writeFileExcl(keyPath, keyPEM, 0o600); err != nil {
		return "", "", err
	}
	if err := writeFileExcl(certPath, certPEM, 0o644); err != nil {
		_ = os.Remove(keyPath)
		return "", "", err
	}
	return certPath, keyPath, nil
}

func writeFileExcl(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil { // umask must not widen or narrow it
		f.Close()
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	return f.Close()
}
