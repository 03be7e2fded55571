package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/internal/sim/rest"
)

// get requests url with one header and decodes a JSON object body.
func get(t *testing.T, url, header, value string) (*http.Response, map[string]any) {
	t.Helper()
	r, _ := http.NewRequest("GET", url, nil)
	if header != "" {
		r.Header.Set(header, value)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp, body
}

// `machina sim rest` serves each preset's documented shapes with the
// vendor's credential header: MaintainX's cursor envelope behind a bearer
// token from the environment; UpKeep's {success, results} behind a
// Session-Token generated into the env file, with Link-header paging.
func TestSimREST(t *testing.T) {
	for _, args := range [][]string{{}, {"--preset", "fiix"}, {"--preset", "maintainx", "--paging", "page"}, {"--preset", "upkeep", "--paging", "cursor"}} {
		if code, _ := simExit(t, append([]string{"rest"}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", args, code)
		}
	}
	listening := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+) \(base_url (\S+),`)

	t.Run("maintainx", func(t *testing.T) {
		const token = "tok-maintainx-not-printed"
		m, errb := startSim(t, map[string]string{rest.EnvToken: token}, listening, "rest", "--preset", "maintainx", "--listen", "127.0.0.1:0")
		if resp, _ := get(t, m[2]+"/workorders", "", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("without the token: %d", resp.StatusCode)
		}
		resp, body := get(t, m[2]+"/workorders?limit=3", "Authorization", "Bearer "+token)
		if wos, _ := body["workOrders"].([]any); resp.StatusCode != 200 || len(wos) != 3 || body["nextCursor"] == nil {
			t.Fatalf("GET /v1/workorders: %d %v", resp.StatusCode, body)
		}
		if strings.Contains(errb.String(), token) {
			t.Fatal("the token was logged")
		}
	})
	t.Run("upkeep", func(t *testing.T) {
		envFile := filepath.Join(t.TempDir(), "rest.env")
		m, _ := startSim(t, nil, listening, "rest", "--preset", "upkeep", "--paging", "link", "--listen", "127.0.0.1:0", "--env-file", envFile)
		text, err := os.ReadFile(envFile)
		token, ok := strings.CutPrefix(strings.TrimSpace(string(text)), rest.EnvToken+"=")
		if err != nil || !ok || token == "" {
			t.Fatalf("env file: %v %q", err, text)
		}
		resp, body := get(t, m[2]+"/api/v2/assets?limit=2", "Session-Token", token)
		if rows, _ := body["results"].([]any); resp.StatusCode != 200 || body["success"] != true || len(rows) != 2 || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
			t.Fatalf("GET /api/v2/assets: %d %v Link %q", resp.StatusCode, body, resp.Header.Get("Link"))
		}
	})
}

// --print-config prints a valid machina.toml excerpt naming the preset, the
// base URL, the vendor's auth profile and the token by reference only.
func TestSimRESTPrintConfig(t *testing.T) {
	for _, d := range rest.Dialects() {
		code, text := simPrintConfig(t, map[string]string{rest.EnvToken: "tok-not-printed"}, "rest", "--preset", string(d))
		if code != 0 || strings.Contains(text, "tok-not-printed") {
			t.Fatalf("%s: exit %d\n%s", d, code, text)
		}
		_, snippet, _ := strings.Cut(text, "# machina.toml (excerpt)")
		cfg, err := config.Parse([]byte(strings.Replace(snippet, `sha256 = "<sha256 of the module>"`, "allow_unpinned = true", 1)), func(string) string { return "" })
		if err != nil {
			t.Fatalf("%s: the printed configuration does not parse: %v\n%s", d, err, snippet)
		}
		p := cfg.Plugins[0]
		wantProfile := map[rest.Dialect]string{rest.UpKeep: "header", rest.MaintainX: "bearer"}[d]
		if p.Config["preset"] != string(d) || !strings.HasPrefix(p.Config["base_url"].(string), p.Grant.HTTP[0].Origin) ||
			string(p.Grant.HTTP[0].Auth.Profile) != wantProfile || cfg.Secrets["cmms_token"] != "env:"+rest.EnvToken {
			t.Errorf("%s: plugin %+v, secrets %v", d, p, cfg.Secrets)
		}
	}
}
