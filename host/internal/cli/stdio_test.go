package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/stdiotest"
	"github.com/machina-go/machina/internal/testcache"
)

// TestStdioOnlyProtocolOnStdout runs `machina serve --transport stdio` as a
// process of its own (this test binary standing in for bin/machina, see
// TestMain) with the cmms-maximo plugin against the Maximo simulator, and
// makes MCP calls that go through the plugin to the simulator. Every line
// on stdout is a JSON-RPC 2.0 message; the logs (at debug level, the
// plugin's included) go to stderr; the API key appears on neither.
func TestStdioOnlyProtocolOnStdout(t *testing.T) {
	auth, err := maximo.GenerateAuth(maximo.AuthAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := maximo.NewServer(maximo.Options{Auth: auth, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	dir := t.TempDir()
	wasm := testplugin.Build(t, "plugins/cmms-maximo")
	module := filepath.Join(dir, "cmms-maximo.wasm")
	if err := os.WriteFile(module, wasm, 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	testcache.Share(t, data) // the module compiled once for every test run
	sum := sha256.Sum256(wasm)
	// The configuration `machina sim maximo --print-config` prints, with
	// the module's path and digest filled in.
	plugin := strings.NewReplacer(`"dist/plugins/cmms-maximo.wasm"`, fmt.Sprintf("%q", module),
		"<sha256 of the module>", hex.EncodeToString(sum[:])).Replace(maximo.ConfigSnippet(hs.URL, maximo.AuthAPIKey))
	cfg := writeConfig(t, fmt.Sprintf("data_dir = %q\n[trace]\ndisabled = true\n", data)+plugin)

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "serve", "--transport", "stdio", "--config", cfg)
	cmd.Env = append(os.Environ(), "MACHINA_LOG_LEVEL=debug", "MACHINA_MCP_TOKENS_JSON=", maximo.EnvAPIKey+"="+auth.APIKey)
	s := stdiotest.Run(t, cmd, []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"machina_get_asset","arguments":{"asset_id":"P-101"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"machina_get_asset","arguments":{"asset_id":"NO-SUCH-ASSET"}}}`,
		`not json at all`,
	}, 4, 90*time.Second, nil)

	var got struct {
		Result struct {
			IsError bool `json:"isError"`
			Content []struct{ Text string }
		}
	}
	if err := json.Unmarshal([]byte(s.ByID[3]), &got); err != nil || got.Result.IsError || len(got.Result.Content) == 0 ||
		!strings.Contains(got.Result.Content[0].Text, "P-101") {
		t.Fatalf("get_asset P-101 through the plugin: %v\n%s\nstderr:\n%s", err, s.ByID[3], s.Stderr)
	}
	if err := json.Unmarshal([]byte(s.ByID[4]), &got); err != nil || !got.Result.IsError {
		t.Errorf("get_asset of an unknown asset is not a tool error: %v\n%s", err, s.ByID[4])
	}
	if st := srv.Stats(); st.Reads < 2 || st.AuthFailures != 0 {
		t.Errorf("the simulator saw %+v: want the plugin's authenticated reads", st)
	}
	for _, want := range []string{"cmms-maximo", "mcp_server_ready"} {
		if !strings.Contains(s.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, s.Stderr)
		}
	}
	if strings.Contains(strings.Join(s.Frames, "\n")+s.Stderr, auth.APIKey) {
		t.Error("the API key reached stdout or stderr")
	}
}
