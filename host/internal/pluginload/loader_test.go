package pluginload_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/pluginsig"
	"github.com/machina-go/machina/host/internal/wasmfile"
)

func refusedWith(t *testing.T, h *harness, wants ...string) {
	t.Helper()
	if _, ok := h.loaded["hostile"]; ok {
		t.Fatal("module was loaded")
	}
	if len(h.failures) != 1 {
		t.Fatalf("failures = %v", h.failures)
	}
	for _, w := range wants {
		if !strings.Contains(h.failures[0].Error(), w) {
			t.Fatalf("failure %q should contain %q", h.failures[0], w)
		}
	}
	h.helloServes()
}

func TestLoaderRejectsSHA256Mismatch(t *testing.T) {
	h := newHarness(t, module{name: "hostile", wasm: hostileWasm(t), sha: strings.Repeat("ab", 32)})
	refusedWith(t, h, "sha256 mismatch")
}

func TestLoaderSignatures(t *testing.T) {
	dir := t.TempDir()
	pub, keyPath, _, err := pluginsig.GenerateKey(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(keyPath); st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v", st.Mode().Perm())
	}
	priv, err := pluginsig.LoadPrivateKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	keyLine := "public_key = \"" + pluginsig.EncodePublicKey(pub) + "\"\n"
	wasm := hostileWasm(t)
	signed, err := pluginsig.Sign(wasm, priv)
	if err != nil {
		t.Fatal(err)
	}
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	otherSigned, _ := pluginsig.Sign(wasm, otherPriv)
	tampered, _ := wasmfile.AppendCustomSection(signed, "extra", []byte("tamper"))

	t.Run("unsigned", func(t *testing.T) {
		refusedWith(t, newHarness(t, module{name: "hostile", wasm: wasm, extra: keyLine}), "not signed")
	})
	t.Run("other key", func(t *testing.T) {
		refusedWith(t, newHarness(t, module{name: "hostile", wasm: otherSigned, extra: keyLine}), "bad signature", "signed by key")
	})
	t.Run("modified after signing", func(t *testing.T) {
		refusedWith(t, newHarness(t, module{name: "hostile", wasm: tampered, extra: keyLine}), "modified after signing")
	})
	t.Run("valid", func(t *testing.T) {
		h := newHarness(t, module{name: "hostile", wasm: signed, extra: keyLine})
		if _, ok := h.loaded["hostile"]; !ok {
			t.Fatalf("validly signed module refused: %v", h.failures)
		}
		if st := h.loaded["hostile"].Report.Signature.Status; st != pluginsig.StatusValid {
			t.Fatalf("signature status %q", st)
		}
	})
}

func TestLoaderRejectsSecretLookingConfig(t *testing.T) {
	const value = "hunter2-not-a-config-value"
	h := newHarness(t, module{name: "hostile", wasm: hostileWasm(t),
		extra: "[plugin.config]\nsite = \"A\"\n[plugin.config.upstream]\nAPI_Token = \"" + value + "\"\n"})
	refusedWith(t, h, "upstream.API_Token", "looks like a secret")
	if strings.Contains(h.failures[0].Error(), value) || strings.Contains(h.logs.String(), value) {
		t.Fatal("the config value leaked into the refusal")
	}
}

func TestLoaderIgnoresUnrequestedGrant(t *testing.T) {
	h := newHarness(t, hostileModule(t, grantTOML("https://evil.example.com", false, "")))
	if _, ok := h.loaded["hostile"]; !ok {
		t.Fatalf("not loaded: %v", h.failures)
	}
	if !strings.Contains(h.logs.String(), "never requested") {
		t.Fatal("unrequested grant not reported")
	}
	m, err := h.attack("http:https://evil.example.com/x")
	if err != nil {
		t.Fatal(err)
	}
	if e := metaString(m, "error"); !strings.Contains(e, "not granted") {
		t.Fatalf("plugin saw %+v", m)
	}
	if len(h.loaded["hostile"].Mismatches) == 0 {
		t.Fatal("mismatches not reported on Loaded")
	}
	// The report's operations are the exports, which the loader checked
	// against machina_describe: hostile implements health, AssetReader and
	// WorkOrderCreator.
	if d := h.loaded["hostile"].Report.Descriptor; len(d.Operations) != 4 || d.Operations[3].Name != abi.OpCreateWorkOrder || !strings.Contains(d.Source, "machina_describe") {
		t.Fatalf("loaded report descriptor = %+v", d)
	}
}
