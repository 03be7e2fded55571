package pluginsig

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/wasmfile"
)

// module is an empty wasm module with one custom section.
func module(t *testing.T) []byte {
	t.Helper()
	b, err := wasmfile.AppendCustomSection([]byte("\x00asm\x01\x00\x00\x00"), "machina.manifest", []byte("name = \"x\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	wasm := module(t)
	if _, err := Verify(wasm, pub); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
	signed, err := Sign(wasm, priv)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Verify(signed, pub)
	if err != nil || sig.KeyID != KeyID(pub) {
		t.Fatalf("verify: %v %+v", err, sig)
	}
	// Re-signing replaces the section: still exactly one signature.
	again, _ := Sign(signed, priv)
	if _, err := Verify(again, pub); err != nil {
		t.Fatal(err)
	}
	if d1, _ := Digest(signed); d1 != mustDigest(t, wasm) {
		t.Fatal("digest must ignore the signature section")
	}
	// Tampering with anything else breaks it.
	tampered, _ := wasmfile.AppendCustomSection(signed, "x", []byte("y"))
	if _, err := Verify(tampered, pub); err == nil || !strings.Contains(err.Error(), "modified") {
		t.Fatalf("tampered: %v", err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := Verify(signed, other); err == nil || !strings.Contains(err.Error(), "signed by key") {
		t.Fatalf("other key: %v", err)
	}
	// Two signature sections are refused.
	double, _ := wasmfile.AppendCustomSection(signed, Section, []byte("{}"))
	if _, err := Verify(double, pub); err == nil {
		t.Fatal("two signature sections accepted")
	}
}

func mustDigest(t *testing.T, b []byte) string {
	d, err := Digest(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestKeysRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pub, keyPath, pubPath, err := GenerateKey(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := LoadPrivateKey(keyPath)
	if err != nil || !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("load: %v", err)
	}
	b, _ := os.ReadFile(pubPath)
	for _, s := range []string{string(b), hex.EncodeToString(pub), EncodePublicKey(pub)} {
		if p, err := ParsePublicKey(s); err != nil || !p.Equal(pub) {
			t.Fatalf("parse %q: %v", s, err)
		}
	}
	if _, err := ParsePublicKey("abc"); err == nil {
		t.Fatal("bad key accepted")
	}
	if _, _, _, err := GenerateKey(dir, "k"); err == nil {
		t.Fatal("overwrote an existing key")
	}
	os.Chmod(keyPath, 0o644)
	if _, err := LoadPrivateKey(keyPath); err == nil {
		t.Fatal("world-readable key accepted")
	}
	os.WriteFile(filepath.Join(dir, "bad.key"), []byte("not pem"), 0o600)
	if _, err := LoadPrivateKey(filepath.Join(dir, "bad.key")); err == nil || strings.Contains(err.Error(), "not pem") {
		t.Fatalf("garbage key: %v", err)
	}
}
