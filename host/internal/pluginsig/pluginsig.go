package pluginsig

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/machina-go/machina/host/internal/wasmfile"
)

// Section is the name of the custom section holding the signature.
const Section = "machina.signature"

const domain = "machina-plugin-signature-v1\n"

// Signature is the content of the signature section.
type Signature struct {
	V      int    `json:"v"`
	Alg    string `json:"alg"`
	KeyID  string `json:"key_id"`
	Digest string `json:"digest"`
	Sig    string `json:"sig"`
}

// Status is the outcome of checking a module's signature.
type Status string

// Signature statuses.
const (
	// StatusUnsigned: the module has no signature section.
	StatusUnsigned Status = "unsigned"
	// StatusUnverified: signed, but no public key was given to check it.
	StatusUnverified Status = "signed (not verified: no public key configured)"
	// StatusValid: signed by the given key and the module is intact.
	StatusValid Status = "valid"
	// StatusInvalid: malformed, signed by another key, or modified.
	StatusInvalid Status = "invalid"
)

// ErrUnsigned is returned by Verify for a module without a signature.
var ErrUnsigned = errors.New("module is not signed")

// KeyID returns the key id of a public key.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// Digest returns "sha256:<hex>" of the module without signature sections.
func Digest(wasm []byte) (string, error) {
	stripped, err := wasmfile.RemoveCustomSections(wasm, Section)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(stripped)
	return "sha256:" + hex.EncodeToString(s[:]), nil
}

// Sign returns the module with a fresh signature section (replacing any
// previous one).
func Sign(wasm []byte, key ed25519.PrivateKey) ([]byte, error) {
	stripped, err := wasmfile.RemoveCustomSections(wasm, Section)
	if err != nil {
		return nil, err
	}
	s := sha256.Sum256(stripped)
	digest := "sha256:" + hex.EncodeToString(s[:])
	pub := key.Public().(ed25519.PublicKey)
	sig := Signature{V: 1, Alg: "ed25519", KeyID: KeyID(pub), Digest: digest,
		Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(domain+digest)))}
	b, err := json.Marshal(sig)
	if err != nil {
		return nil, err
	}
	return wasmfile.AppendCustomSection(stripped, Section, b)
}

// Read returns the module's signature section, if any.
func Read(wasm []byte) (*Signature, error) {
	mod, err := wasmfile.Parse(wasm)
	if err != nil {
		return nil, err
	}
	return FromModule(mod)
}

// FromModule returns the signature of a parsed module (nil when unsigned).
func FromModule(mod *wasmfile.Module) (*Signature, error) {
	var found []byte
	n := 0
	for _, c := range mod.Customs {
		if c.Name == Section {
			found = c.Data
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	if n > 1 {
		return nil, fmt.Errorf("module carries %d %s sections (want one)", n, Section)
	}
	var s Signature
	dec := json.NewDecoder(bytes.NewReader(found))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("malformed %s section: %w", Section, err)
	}
	if s.V != 1 || s.Alg != "ed25519" {
		return nil, fmt.Errorf("unsupported signature (v=%d alg=%q)", s.V, s.Alg)
	}
	return &s, nil
}

// Verify checks that the module is signed by pub and unmodified since. It
// returns ErrUnsigned for a module without a signature.
func Verify(wasm []byte, pub ed25519.PublicKey) (*Signature, error) {
	sig, err := Read(wasm)
	if err != nil {
		return nil, err
	}
	if sig == nil {
		return nil, ErrUnsigned
	}
	if want := KeyID(pub); sig.KeyID != want {
		return sig, fmt.Errorf("signed by key %s, but the configured key is %s", sig.KeyID, want)
	}
	digest, err := Digest(wasm)
	if err != nil {
		return sig, err
	}
	if digest != sig.Digest {
		return sig, errors.New("module was modified after signing (digest mismatch)")
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Sig)
	if err != nil || !ed25519.Verify(pub, []byte(domain+digest), raw) {
		return sig, errors.New("signature does not verify")
	}
	return sig, nil
}

// ParsePublicKey decodes a public key written as hex or base64 (standard
// or URL alphabet, padded or not) of the raw 32 bytes.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	var raw []byte
	if b, err := hex.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
		raw = b
	} else {
		for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := e.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
				raw = b
				break
			}
		}
	}
	if raw == nil {
		return nil, errors.New("public key: want hex or base64 of a 32-byte ed25519 key")
	}
	return ed25519.PublicKey(raw), nil
}

// EncodePublicKey renders a public key as base64 (the machina.toml form).
func EncodePublicKey(pub ed25519.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub)
}

// GenerateKey writes a new key pair to dir as <name>.key (PKCS#8 PEM, mode
// 0600) and <name>.pub (base64, mode 0644). Existing files are never
// overwritten.
func GenerateKey(dir, name string) (ed25519.PublicKey, string, string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, "", "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", "", err
	}
	keyPath := filepath.Join(dir, name+".key")
	pubPath := filepath.Join(dir, name+".pub")
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, "", "", fmt.Errorf("%s already exists; refusing to overwrite a key", p)
		}
	}
	if err := writeNew(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, "", "", err
	}
	if err := writeNew(pubPath, []byte(EncodePublicKey(pub)+"\n"), 0o644); err != nil {
		os.Remove(keyPath)
		return nil, "", "", err
	}
	return pub, keyPath, pubPath, nil
}

func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// LoadPrivateKey reads a PKCS#8 PEM ed25519 private key. It refuses a file
// readable or writable by group or others. Errors never contain key
// material.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("private key %s has mode %04o: refusing a key readable by group or others (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("private key %s: want a PKCS#8 PEM \"PRIVATE KEY\" block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key %s: not a valid PKCS#8 key", path)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key %s: not an ed25519 key", path)
	}
	return priv, nil
}
