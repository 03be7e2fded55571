package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// embeddingsServer is an OpenAI-compatible /v1/embeddings endpoint on
// loopback (request and response shapes of the OpenAI embeddings API
// reference). Its vectors are a bag of hashed words: enough for a query
// to land on the chunk that shares its words.
type embeddingsServer struct {
	*httptest.Server
	mu   sync.Mutex
	auth map[string]int
}

func newEmbeddingsServer(t *testing.T) *embeddingsServer {
	s := &embeddingsServer{auth: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.auth[r.Header.Get("Authorization")]++
		s.mu.Unlock()
		var req struct {
			Input string `json:"input"`
			Model string `json:"model"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		vec := make([]float64, 64)
		for _, word := range strings.Fields(strings.ToLower(req.Input)) {
			h := fnv.New32a()
			h.Write([]byte(word))
			vec[h.Sum32()%64]++
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"index": 0, "embedding": vec}}, "model": req.Model})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *embeddingsServer) authCount(header string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth[header]
}

// TestDocsUsesConfigDocstore: with --config, `machina docs` uses the
// [docstore] of machina.toml — its dir, its manuals and its embedder with
// the API key read through [secrets] — as `machina serve` does.
func TestDocsUsesConfigDocstore(t *testing.T) {
	const key = "sk-docs-test-4711"
	emb := newEmbeddingsServer(t)
	dir := t.TempDir()
	manuals := filepath.Join(dir, "manuals")
	if err := os.MkdirAll(manuals, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(manuals, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pump_p101.md", "# Pump P-101\n\n## Mechanical seal\n\nReplace the mechanical seal when the leakage exceeds ten drops per minute.\n")
	write("fan_f9.md", "# Fan F-9\n\n## Belt tension\n\nCheck the belt tension every month with a tension gauge.\n")
	cfgPath := filepath.Join(dir, "machina.toml")
	if err := os.WriteFile(cfgPath, []byte(`
data_dir = "state"
[secrets]
embed = "env:DOCS_TEST_EMBED_KEY"
[docstore]
dir = "store"
manuals = "manuals"
[docstore.embedder]
provider = "openai"
base_url = "`+emb.URL+`/v1"
model = "tiny"
api_key_secret = "embed"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	docs := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		c := &cli{stdout: &out, stderr: &errb, getenv: func(k string) string {
			if k == "DOCS_TEST_EMBED_KEY" {
				return key
			}
			return ""
		}}
		code := run(context.Background(), c, append([]string{"docs"}, args...))
		if strings.Contains(out.String()+errb.String(), key) {
			t.Fatalf("docs %v printed the API key", args)
		}
		return code, out.String(), errb.String()
	}

	if code, out, errs := docs("ingest", "--config", cfgPath); code != 0 || !strings.Contains(out, "2 added") {
		t.Fatalf("ingest: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "store")); err != nil {
		t.Fatalf("the store is not at [docstore] dir: %v", err)
	}
	if emb.authCount("Bearer "+key) == 0 {
		t.Fatal("the embedder never received the key from [secrets]")
	}
	code, out, errs := docs("search", "--config", cfgPath, "--top-k", "1", "--json", "mechanical seal leakage")
	if code != 0 || !strings.Contains(out, "pump_p101.md") || strings.Contains(out, "fan_f9.md") {
		t.Fatalf("search: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := docs("stats", "--config", cfgPath); code != 0 || !strings.Contains(out, "files 2") || !strings.Contains(out, "tiny") {
		t.Fatalf("stats: exit %d\n%s\n%s", code, out, errs)
	}
	// A flag overrides one setting of [docstore]: another, empty dir.
	other := filepath.Join(dir, "other")
	if code, _, errs := docs("stats", "--config", cfgPath, "--data", other); code != 1 || !strings.Contains(errs, "no document store at "+other) {
		t.Fatalf("stats --data: exit %d, %s", code, errs)
	}
	// Without the secret the store cannot embed: a clear error naming the
	// secret, never a value.
	var out2, err2 bytes.Buffer
	c := &cli{stdout: &out2, stderr: &err2, getenv: func(string) string { return "" }}
	if code := run(context.Background(), c, []string{"docs", "search", "--config", cfgPath, "seal"}); code != 1 || !strings.Contains(err2.String(), `"embed"`) {
		t.Fatalf("search without the key: exit %d, %s", code, err2.String())
	}
}

// TestDocsWithoutConfig keeps the flags-only default: the store in --data.
func TestDocsWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	manuals := filepath.Join(dir, "manuals")
	if err := os.MkdirAll(manuals, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(manuals, "valve.md"), []byte("# Valve V-1\n\nLubricate the stem quarterly.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "ds")
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if code := run(context.Background(), c, []string{"docs", "ingest", manuals, "--data", data}); code != 0 {
		t.Fatalf("ingest: exit %d, %s", code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), c, []string{"docs", "search", "--data", data, "stem lubrication"}); code != 0 || !strings.Contains(out.String(), "valve.md") {
		t.Fatalf("search: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
}
