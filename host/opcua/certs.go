package opcua

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// keyPair is a loaded client certificate and key.
type keyPair struct {
	certDER []byte
	key     *rsa.PrivateKey
	cert    *x509.Certificate
}

// loadKeyPair reads a certificate (PEM or DER) and an RSA key (PEM PKCS#1,
// PKCS#8 or DER) and checks that they belong together.
func loadKeyPair(certFile, keyFile string) (*keyPair, error) {
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("read client certificate: %w", err)
	}
	der, err := certDER(cb)
	if err != nil {
		return nil, fmt.Errorf("client certificate %s: %w", certFile, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("client certificate %s: %w", certFile, err)
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read client key: %w", err)
	}
	key, err := parseRSAKey(kb)
	if err != nil {
		return nil, fmt.Errorf("client key %s: %w", keyFile, err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("client key %s does not match certificate %s", keyFile, certFile)
	}
	if time.Now().After(cert.NotAfter) {
		return nil, fmt.Errorf("client certificate %s expired on %s", certFile, cert.NotAfter.Format(time.RFC3339))
	}
	return &keyPair{certDER: der, key: key, cert: cert}, nil
}

func certDER(b []byte) ([]byte, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block is %q, want CERTIFICATE", blk.Type)
		}
		return blk.Bytes, nil
	}
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----")) {
		return nil, errors.New("malformed PEM")
	}
	return b, nil
}

func parseRSAKey(b []byte) (*rsa.PrivateKey, error) {
	der := b
	if blk, _ := pem.Decode(b); blk != nil {
		der = blk.Bytes
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("not an RSA private key (PEM or DER, PKCS#1 or PKCS#8)")
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T; OPC-UA security policies need RSA", k)
	}
	return rk, nil
}

// trustList is a set of trusted server certificates keyed by SHA-256 of DER.
type trustList struct {
	certs   map[string]*x509.Certificate
	sources string
}

// loadTrustList reads every certificate in dir (*.pem, *.crt, *.cer, *.der)
// and in files.
func loadTrustList(dir string, files []string) (*trustList, error) {
	t := &trustList{certs: map[string]*x509.Certificate{}}
	var paths []string
	var src []string
	if dir != "" {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("read trust_dir: %w", err)
		}
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".pem", ".crt", ".cer", ".der":
				if !e.IsDir() {
					paths = append(paths, filepath.Join(dir, e.Name()))
				}
			}
		}
		src = append(src, dir)
	}
	paths = append(paths, files...)
	src = append(src, files...)
	sort.Strings(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read trusted certificate: %w", err)
		}
		for len(bytes.TrimSpace(b)) > 0 {
			var der []byte
			if blk, rest := pem.Decode(b); blk != nil {
				b = rest
				if blk.Type != "CERTIFICATE" {
					continue
				}
				der = blk.Bytes
			} else {
				der, b = b, nil
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("trusted certificate %s: %w", p, err)
			}
			t.certs[thumbprint(der)] = c
		}
	}
	t.sources = strings.Join(src, ", ")
	return t, nil
}

// check returns nil when der is trusted and currently valid.
func (t *trustList) check(der []byte) error {
	if len(der) == 0 {
		return errors.New("server sent no certificate")
	}
	fp := thumbprint(der)
	c, ok := t.certs[fp]
	if !ok {
		subj := "unparsable certificate"
		if pc, err := x509.ParseCertificate(der); err == nil {
			subj = fmt.Sprintf("subject %q", pc.Subject.String())
		}
		return fmt.Errorf("%w: server certificate (%s, sha256 %s) is not in the trust list (%s); "+
			"if you trust this server, copy its certificate into the trust directory", ErrUntrustedServer, subj, fp, t.sources)
	}
	now := time.Now()
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return fmt.Errorf("%w: trusted server certificate (sha256 %s) is outside its validity period %s – %s",
			ErrUntrustedServer, fp, c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))
	}
	return nil
}

func thumbprint(der []byte) string {
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:])
}

// ErrUntrustedServer is wrapped by connection errors caused by a server
// certificate that is not in the endpoint's trust list.
var ErrUntrustedServer = errors.New("untrusted OPC-UA server certificate")
