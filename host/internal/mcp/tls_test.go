package mcp_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	machinamcp "github.com/machina-go/machina/host/internal/mcp"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/sim/simpki"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

// serverCertFiles writes a server certificate for 127.0.0.1, signed by a
// throw-away CA, into dir and returns its files and a pool trusting the CA.
func serverCertFiles(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	ca, err := simpki.NewCA("machina-test CA")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(simpki.Server("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	kb, err := leaf.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for f, b := range map[string][]byte{certFile: leaf.CertPEM(), keyFile: kb} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, ca.Pool()
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
	certFile, keyFile, pool := serverCertFiles(t, e.dir)
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
	c := client.NewClient(bearerTransport(t, "https://"+ln.Addr().String(), legacy, transport.WithHTTPBasicClient(hc)))
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
