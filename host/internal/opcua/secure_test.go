package opcua_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/opcuacert"

	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

// mapSecrets is a SecretSource over a map.
type mapSecrets map[string]string

func (m mapSecrets) Secret(_ context.Context, name string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("secret %q not found", name)
	}
	return v, nil
}

func secureEndpoint(url, policy, mode, cert, key, trust string) hostopcua.EndpointConfig {
	ec := fastEndpoint(url)
	ec.SecurityPolicy, ec.SecurityMode = policy, mode
	ec.CertFile, ec.KeyFile, ec.TrustDir = cert, key, trust
	return ec
}

func TestSecureSessions(t *testing.T) {
	cases := []struct{ policy, mode string }{
		{"Basic256Sha256", "SignAndEncrypt"},
		{"Basic256Sha256", "Sign"},
		{"Aes128_Sha256_RsaOaep", "SignAndEncrypt"},
		{"Aes256_Sha256_RsaPss", "SignAndEncrypt"},
	}
	for _, tc := range cases {
		t.Run(tc.policy+"_"+tc.mode, func(t *testing.T) {
			// both sides trust each other: the simulator gets its trust list
			// once the client certificate exists, so it restarts with it
			cert, key, trust := pki(t, nil)
			clientPEM, err := os.ReadFile(cert)
			if err != nil {
				t.Fatal(err)
			}
			sim := startSim(t, simopcua.Options{DisableNone: true, Security: []simopcua.Security{{Policy: tc.policy, Mode: tc.mode}},
				TrustedClients: [][]byte{clientPEM}})
			if err := os.WriteFile(filepath.Join(trust, "server.pem"), sim.CertificatePEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			log, logs := testLogger(t)
			ec := secureEndpoint(sim.URL(), tc.policy, tc.mode, cert, key, trust)
			if tc.mode == "Sign" { // trust a list of files instead of a directory
				ec.TrustDir, ec.TrustFiles = "", []string{filepath.Join(trust, "server.pem")}
			}
			m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}}, hostopcua.Options{Logger: log})
			waitConnected(t, m)
			rs, err := m.Read(context.Background(), "c-201.pressure")
			if err != nil || rs[0].Value != 8.0 {
				t.Fatalf("read = %+v, %v", rs, err)
			}
			h := m.Health(context.Background())[0]
			if h.Status != hostopcua.HealthOK || h.SecurityPolicy != tc.policy || h.SecurityMode != tc.mode {
				t.Errorf("health = %+v", h)
			}
			if contains(logs.String(), "insecure_connection") {
				t.Error("insecure warning logged for a secure endpoint")
			}
		})
	}
}

func TestServerRefusesUntrustedClientCertificate(t *testing.T) {
	trustedPEM, _, err := opcuacert.GenerateCertificate(opcuacert.CertOptions{Hosts: []string{"127.0.0.1"}, CommonName: "someone-else"})
	if err != nil {
		t.Fatal(err)
	}
	sim := startSim(t, simopcua.Options{DisableNone: true, Security: []simopcua.Security{{Policy: "Basic256Sha256", Mode: "SignAndEncrypt"}},
		TrustedClients: [][]byte{trustedPEM}})
	cert, key, trust := pki(t, sim.CertificatePEM())
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{
		secureEndpoint(sim.URL(), "Basic256Sha256", "SignAndEncrypt", cert, key, trust)}}, hostopcua.Options{})
	h := waitLastError(t, m, "plant", "a refusal by the server")
	if !contains(h.LastError, "add this client's certificate "+cert) || h.Status != hostopcua.HealthDegraded {
		t.Errorf("health = %+v", h)
	}
}

func TestUntrustedServerCertificateRefused(t *testing.T) {
	sim := startSim(t, simopcua.Options{DisableNone: true, Security: []simopcua.Security{{Policy: "Basic256Sha256", Mode: "SignAndEncrypt"}}})
	// trust some other server's certificate only
	other, _, err := opcuacert.GenerateCertificate(opcuacert.CertOptions{Hosts: []string{"127.0.0.1"}, Server: true})
	if err != nil {
		t.Fatal(err)
	}
	cert, key, trust := pki(t, other)
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{
		secureEndpoint(sim.URL(), "Basic256Sha256", "SignAndEncrypt", cert, key, trust)}}, hostopcua.Options{})
	h := waitLastError(t, m, "plant", "an untrusted-certificate error")
	if !contains(h.LastError, "not in the trust list") || !contains(h.LastError, trust) || h.Status != hostopcua.HealthDegraded {
		t.Errorf("health = %+v", h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c, _ := m.Client("plant")
	err = c.WaitConnected(ctx)
	if !errors.Is(err, hostopcua.ErrUntrustedServer) {
		t.Errorf("WaitConnected error = %v, want ErrUntrustedServer", err)
	}
	if _, err := m.Read(context.Background(), "p-101.temperature"); !errors.Is(err, hostopcua.ErrNotConnected) {
		t.Errorf("read on a refused endpoint: %v", err)
	}

	// trusting the server's certificate and reloading connects without restart
	if err := os.WriteFile(filepath.Join(trust, "sim.pem"), sim.CertificatePEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.ReloadCertificates(); err != nil {
		t.Fatal(err)
	}
	waitConnected(t, m)
}

func TestBadClientCertificate(t *testing.T) {
	sim := startSim(t, simopcua.Options{DisableNone: true, Security: []simopcua.Security{{Policy: "Basic256Sha256", Mode: "SignAndEncrypt"}}})
	cert, _, trust := pki(t, sim.CertificatePEM())
	_, otherKey, _ := pki(t, nil) // a key that does not belong to cert
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{
		secureEndpoint(sim.URL(), "Basic256Sha256", "SignAndEncrypt", cert, otherKey, trust)}}, hostopcua.Options{})
	h := waitLastError(t, m, "plant", "a key mismatch error")
	if !contains(h.LastError, "does not match certificate") {
		t.Errorf("last error = %q", h.LastError)
	}
	// a reload with the same broken files is refused and reported
	c, _ := m.Client("plant")
	if err := c.ReloadCertificates(); err == nil || !contains(err.Error(), "does not match") {
		t.Errorf("reload = %v", err)
	}
}

func TestUsernamePasswordFromSecretSource(t *testing.T) {
	const password = "pump-room-Secr3t"
	sim := startSim(t, simopcua.Options{DisableNone: true,
		Security: []simopcua.Security{{Policy: "Basic256Sha256", Mode: "SignAndEncrypt"}},
		Users:    map[string]string{"operator": password}})
	cert, key, trust := pki(t, sim.CertificatePEM())
	ec := secureEndpoint(sim.URL(), "Basic256Sha256", "SignAndEncrypt", cert, key, trust)
	ec.Username, ec.PasswordSecret = "operator", "opcua_password"

	log, logs := testLogger(t)
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}},
		hostopcua.Options{Logger: log, Secrets: mapSecrets{"opcua_password": password}})
	waitConnected(t, m)
	if rs, err := m.Read(context.Background(), "m-301.current"); err != nil || rs[0].Quality != "good" {
		t.Fatalf("read = %+v, %v", rs, err)
	}

	// a wrong password is refused by the server
	log2, logs2 := testLogger(t)
	ec.Name = "wrong"
	for i := range ec.Aliases {
		ec.Aliases[i].Name = "x." + ec.Aliases[i].Name
	}
	m2 := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}},
		hostopcua.Options{Logger: log2, Secrets: mapSecrets{"opcua_password": "not-" + password}})
	h := waitLastError(t, m2, "wrong", "an access denied error")
	if !contains(h.LastError, "BadUserAccessDenied") {
		t.Errorf("last error = %q", h.LastError)
	}
	for _, s := range []string{logs.String(), logs2.String(), h.LastError} {
		if contains(s, password) {
			t.Fatal("password leaked into logs or errors")
		}
	}

	// a missing secret is reported by name only
	m3 := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}},
		hostopcua.Options{Secrets: mapSecrets{}})
	h = waitLastError(t, m3, "wrong", "a missing secret error")
	if !contains(h.LastError, `password secret "opcua_password" unavailable`) {
		t.Errorf("last error = %q", h.LastError)
	}
}

func TestCertificateFilesChangedReconnects(t *testing.T) {
	sim := startSim(t, simopcua.Options{DisableNone: true, Security: []simopcua.Security{{Policy: "Basic256Sha256", Mode: "SignAndEncrypt"}}})
	cert, key, trust := pki(t, sim.CertificatePEM())
	m := startManager(t, hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{
		secureEndpoint(sim.URL(), "Basic256Sha256", "SignAndEncrypt", cert, key, trust)}}, hostopcua.Options{})
	waitConnected(t, m)
	c, _ := m.Client("plant")
	// rotate the client certificate in place
	newCert, newKey, err := opcuacert.GenerateCertificate(opcuacert.CertOptions{Hosts: []string{"127.0.0.1"}, CommonName: "rotated"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, newKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cert, newCert, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "a reconnect with the rotated certificate", func() bool {
		h := c.Health(context.Background())
		return h.Reconnects >= 1 && h.State == hostopcua.StateConnected
	})
	if _, err := m.Read(context.Background(), "p-101.vibration"); err != nil {
		t.Fatal(err)
	}
}
