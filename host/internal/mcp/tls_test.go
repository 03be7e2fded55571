package mcp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "machina-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestHTTPNativeTLSAndLegacyToken serves /mcp over native TLS and
// authenticates with a legacy MACHINA_MCP_TOKENS token.
func TestHTTPNativeTLSAndLegacyToken(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true, trace: true})
	logs := &syncBuffer{}
	const legacy = "legacy-token-0123456789abcdef"
	ts, err := machinamcp.NewTokenStore(machinamcp.TokenSource{
		Getenv: func(k string) string {
			if k == machinamcp.EnvTokensLegacy {
				return legacy
			}
			return ""
		},
		Logger: hclog.New(&hclog.LoggerOptions{Output: logs})})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "deprecated") {
		t.Error("no deprecation warning for the legacy variable")
	}
	certFile, keyFile, pool := selfSigned(t, e.dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() {
		done <- e.srv.Serve(ctx, ln, machinamcp.HTTPOptions{Tokens: ts, TLSCert: certFile, TLSKey: keyFile})
	}()
	t.Cleanup(func() { cancel(); <-done })
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	c, err := client.NewStreamableHttpClient("https://"+ln.Addr().String()+"/mcp",
		transport.WithHTTPBasicClient(hc), transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + legacy}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	if text, isErr := call(t, c, "machina_get_asset", map[string]any{"asset_id": "P-101"}); isErr {
		t.Fatal(text)
	}
	if !waitTrace(t, e.tracer, func(es []trace.Entry) bool {
		for _, en := range es {
			if en.Action == "tool_call" && en.ClientID == machinamcp.UnattributedClient {
				return true
			}
		}
		return false
	}) {
		t.Error("legacy calls are not attributed to machina-unattributed")
	}
	// Plain HTTP to the TLS port fails.
	if resp, err := http.Get("http://" + ln.Addr().String() + "/health"); err == nil && resp.StatusCode == 200 {
		resp.Body.Close()
		t.Error("plain HTTP answered on the TLS listener")
	}
}
