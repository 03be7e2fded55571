package opcua

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

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
