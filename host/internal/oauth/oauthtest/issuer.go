// Package oauthtest is a real OAuth authorization server for tests: it
// serves OpenID Connect discovery metadata and a JWK Set over HTTP on
// loopback, signs access tokens, and rotates its keys on demand. Tokens
// are signed here with crypto/rsa directly (RFC 7515 §A.2, RS256) and the
// JWK Set is written by hand (RFC 7517 §A.1, RFC 7518 §6.3.1), so a test
// of the validator does not use the validator's libraries as its oracle.
package oauthtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Key is one RSA signing key with its key id.
type Key struct {
	ID   string
	priv *rsa.PrivateKey
}

// Issuer is a running test authorization server.
type Issuer struct {
	// URL is the issuer identifier (http://127.0.0.1:port).
	URL string

	mu        sync.Mutex
	published []*Key
	current   *Key
	n         int
	fetches   atomic.Int64
}

// NewIssuer starts an issuer with one published key; it stops with the test.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	i := &Issuer{}
	i.current = i.newKey(t)
	i.published = []*Key{i.current}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": i.URL, "jwks_uri": i.URL + "/keys",
			"authorization_endpoint": i.URL + "/authorize", "token_endpoint": i.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		i.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(i.jwks())
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	i.URL = srv.URL
	return i
}

func (i *Issuer) newKey(t testing.TB) *Key {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	i.n++
	return &Key{ID: fmt.Sprintf("key-%d", i.n), priv: priv}
}

// jwks is the published JWK Set (RFC 7517 §5; RSA members per RFC 7518 §6.3.1).
func (i *Issuer) jwks() map[string]any {
	i.mu.Lock()
	defer i.mu.Unlock()
	keys := []map[string]any{}
	for _, k := range i.published {
		keys = append(keys, map[string]any{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.ID,
			"n": b64(k.priv.N.Bytes()), "e": b64(big.NewInt(int64(k.priv.E)).Bytes()),
		})
	}
	return map[string]any{"keys": keys}
}

// Rotate makes a new key current and publishes it; the old key stays
// published when keepOld (an overlap period), else it is withdrawn.
func (i *Issuer) Rotate(t testing.TB, keepOld bool) *Key {
	t.Helper()
	i.mu.Lock()
	defer i.mu.Unlock()
	k := i.newKey(t)
	if keepOld {
		i.published = append(i.published, k)
	} else {
		i.published = []*Key{k}
	}
	old := i.current
	i.current = k
	return old
}

// Current is the key tokens are signed with.
func (i *Issuer) Current() *Key {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.current
}

// Unpublished is a fresh key the issuer never publishes.
func (i *Issuer) Unpublished(t testing.TB) *Key {
	t.Helper()
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.newKey(t)
}

// JWKSFetches counts requests for the key set.
func (i *Issuer) JWKSFetches() int { return int(i.fetches.Load()) }

// Claims are typical access-token claims (RFC 9068 §2.2) for audience aud,
// client id clientID (in azp and client_id) and the space-separated scope,
// valid for five minutes.
func (i *Issuer) Claims(aud, clientID, scope string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": i.URL, "aud": aud, "sub": "user-1", "azp": clientID, "client_id": clientID,
		"scope": scope, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": fmt.Sprint(now.UnixNano()),
	}
}

// Token signs claims with the current key.
func (i *Issuer) Token(t testing.TB, claims map[string]any) string {
	return Sign(t, i.Current(), claims)
}

// Sign makes an RS256 JWS compact serialisation (RFC 7515 §3.1, §A.2) of
// claims with key k, naming k.ID in the kid header.
func Sign(t testing.TB, k *Key, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "at+jwt", "kid": k.ID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
