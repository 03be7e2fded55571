package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/mcpclient"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// watchBuf is a buffer a test can wait on until some text appears.
type watchBuf struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newWatchBuf() *watchBuf { return &watchBuf{changed: make(chan struct{}, 1)} }

func (w *watchBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return w.b.Write(p)
}

func (w *watchBuf) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.b.String() }

// waitFor waits until the buffer holds s, the command exits or ctx ends.
func (w *watchBuf) waitFor(ctx context.Context, s string, exited <-chan struct{}) error {
	for !strings.Contains(w.String(), s) {
		select {
		case <-w.changed:
		case <-exited:
			return fmt.Errorf("the command exited before printing %q", s)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %q: %w", s, ctx.Err())
		}
	}
	return nil
}

// printed returns the value after "label:" at the start of a line of the
// demo's connection block.
func printed(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `:\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo printed no %q line:\n%s", label, out)
	}
	return m[1]
}

// desktopCommand parses the Claude Desktop snippet the demo printed.
func desktopCommand(t *testing.T, out string) (string, []string) {
	t.Helper()
	i := strings.Index(out, "\nClaude Desktop")
	if i < 0 {
		t.Fatalf("no Claude Desktop snippet:\n%s", out)
	}
	block := out[i+1:]
	block = block[strings.Index(block, "\n")+1:]
	block = block[:strings.Index(block, "\n\n")]
	var cfg struct {
		MCPServers map[string]struct {
			Command string   `json:"command"`
			Args    []string `json:"args"`
		} `json:"mcpServers"`
	}
	if err := json.Unmarshal([]byte(block), &cfg); err != nil {
		t.Fatalf("Claude Desktop snippet is not JSON: %v\n%s", err, block)
	}
	s, ok := cfg.MCPServers["machina"]
	if !ok {
		t.Fatalf("snippet lacks mcpServers.machina: %s", block)
	}
	return s.Command, s.Args
}

// stateFiles hashes the files that make a demo's identity: configuration,
// token, credentials and mail CA.
func stateFiles(t *testing.T, state string) map[string][32]byte {
	t.Helper()
	names := []string{"machina.toml", "mcp-token", "mcp-tokens.json", "mail-ca.pem"}
	secrets, _ := filepath.Glob(filepath.Join(state, "secrets", "*"))
	for _, s := range secrets {
		names = append(names, filepath.Join("secrets", filepath.Base(s)))
	}
	if len(secrets) == 0 {
		t.Fatalf("no generated secrets in %s", state)
	}
	sums := map[string][32]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(state, n))
		if err != nil {
			t.Fatal(err)
		}
		sums[n] = sha256.Sum256(b)
	}
	return sums
}

func callText(ctx context.Context, c *client.Client, tool string, args map[string]any) (string, error) {
	text, isErr, err := mcpclient.Call(ctx, c, tool, args)
	if err != nil {
		return "", err
	}
	if isErr {
		return "", fmt.Errorf("%s: tool error: %s", tool, text)
	}
	return text, nil
}

// TestDemoInstancesStayApart is issue #20's first acceptance test. It
// starts an HTTP demo in process, then spawns the stdio command that demo
// printed for Claude Desktop — from another directory, with a real MCP
// client — as a client would. The spawned demo works (plugin-backed tools)
// in a state of its own; the HTTP demo's configuration, token, credentials
// and mail CA stay byte for byte the same, it keeps answering its printed
// token with plugin-backed tools, serves /metrics behind that token, and
// `trace verify` reports both demos' chains intact. A demo given the
// running demo's state directory is refused, naming the holder.
func TestDemoInstancesStayApart(t *testing.T) {
	root := t.TempDir() // both demos' user cache directory
	if err := os.MkdirAll(filepath.Join(root, "machina"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testplugin.CacheDir(t), filepath.Join(root, "machina", "compiled-plugins")); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "XDG_CACHE_HOME" {
			return root
		}
		return ""
	}
	plugins, manuals := testplugin.DemoPlugins(t), filepath.Join(testplugin.Root(), "samples", "manuals")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	out, errb := newWatchBuf(), newWatchBuf()
	demoCtx, stopDemo := context.WithCancel(ctx)
	exited := make(chan struct{})
	var code int
	go func() {
		defer close(exited)
		code = run(demoCtx, &cli{stdout: out, stderr: errb, getenv: getenv},
			[]string{"demo", "--listen", "127.0.0.1:0", "--plugins", plugins, "--manuals", manuals})
	}()
	defer func() {
		stopDemo()
		<-exited
		if code != 0 {
			t.Errorf("HTTP demo: exit %d\n%s", code, errb.String())
		}
	}()
	if err := out.waitFor(ctx, "machina demo: ready", exited); err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	terminalAtReady := len(errb.String())
	o := out.String()
	url := strings.TrimSuffix(printed(t, o, "MCP endpoint"), "/mcp")
	token, state, traces := printed(t, o, "Token"), printed(t, o, "State"), printed(t, o, "Traces")
	logFile := printed(t, o, "Logs")
	if strings.Count(o, token) != 1 {
		t.Error("the token must be printed exactly once")
	}
	before := stateFiles(t, state)

	// A second demo on the running demo's state is refused at once.
	var held bytes.Buffer
	if c := run(ctx, &cli{stdout: &held, stderr: &held, getenv: getenv}, []string{"demo", "--transport", "stdio",
		"--state", state, "--plugins", plugins, "--manuals", manuals}); c != 1 ||
		!strings.Contains(held.String(), "held as demo state") || !strings.Contains(held.String(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("second demo on a held state: exit %d, %s", c, held.String())
	}

	// The printed stdio command, spawned elsewhere as Claude Desktop would.
	command, args := desktopCommand(t, o)
	if !filepath.IsAbs(command) || !strings.Contains(strings.Join(args, " "), "--plugins "+plugins) {
		t.Fatalf("the snippet must carry absolute paths: %s %q", command, args)
	}
	elsewhere := t.TempDir()
	childErr := newWatchBuf()
	child, err := client.NewStdioMCPClientWithOptions(command, []string{"XDG_CACHE_HOME=" + root}, args,
		transport.WithCommandFunc(func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env, cmd.Dir = append(os.Environ(), env...), elsewhere
			return cmd, nil
		}), transport.WithCommandStderrWriter(childErr))
	if err != nil {
		t.Fatal(err)
	}
	defer child.Close()
	if err := initClient(ctx, child); err != nil {
		t.Fatalf("spawned demo: %v\n%s", err, childErr.String())
	}
	if text, err := callText(ctx, child, "machina_get_asset", map[string]any{"asset_id": "P-101"}); err != nil || !strings.Contains(text, `"id":"P-101"`) {
		t.Fatalf("spawned demo: %v %s\n%s", err, text, childErr.String())
	}
	childState := filepath.Join(root, "machina", "demo", "stdio")
	if !strings.Contains(childErr.String(), "state "+childState) {
		t.Errorf("the spawned demo should run in its own slot %s:\n%s", childState, childErr.String())
	}

	// The HTTP demo still answers its printed token with plugin-backed tools.
	hc, err := httpClient(ctx, url+"/mcp", token)
	if err != nil {
		t.Fatalf("HTTP demo refused its own token after the spawned demo started: %v", err)
	}
	defer hc.Close()
	for _, call := range []struct {
		tool, want string
		args       map[string]any
	}{
		{"machina_get_asset", `"id":"P-101"`, map[string]any{"asset_id": "P-101"}},
		{"machina_list_work_orders", `"asset_id":"P-101"`, map[string]any{"asset_id": "P-101"}},
		{"machina_list_assets", `"id":"P-101"`, nil},
		// Asset ids as a person types them (issue #20: "p-101" found nothing).
		{"machina_get_asset", `"id":"P-101"`, map[string]any{"asset_id": "p-101"}},
		{"machina_list_work_orders", `"asset_id":"P-101"`, map[string]any{"asset_id": "p-101"}},
	} {
		if text, err := callText(ctx, hc, call.tool, call.args); err != nil || !strings.Contains(text, call.want) {
			t.Errorf("HTTP demo %s %v: %v %.300s", call.tool, call.args, err, text)
		}
	}
	// machina_get_maintenance_plan honours asset_id (it used to ignore it).
	plans, err := callText(ctx, hc, "machina_get_maintenance_plan", map[string]any{"asset_id": "p-101"})
	ids := regexp.MustCompile(`"asset_id":"([^"]*)"`).FindAllStringSubmatch(plans, -1)
	if err != nil || len(ids) == 0 {
		t.Errorf("maintenance plans of p-101: %v %.300s", err, plans)
	}
	for _, id := range ids {
		if id[1] != "P-101" {
			t.Errorf("maintenance plans of P-101 include one of %s", id[1])
		}
	}
	after := stateFiles(t, state)
	for n, sum := range before {
		if after[n] != sum {
			t.Errorf("the spawned demo changed the HTTP demo's %s", n)
		}
	}
	checkMetrics(t, url, token)

	// Both chains verify while their writers run.
	for _, dir := range []string{traces, filepath.Join(childState, "traces")} {
		var vout bytes.Buffer
		if c := run(ctx, &cli{stdout: &vout, stderr: &vout, getenv: getenv}, []string{"trace", "verify", dir}); c != 0 || !strings.HasPrefix(vout.String(), "OK:") {
			t.Errorf("trace verify %s: exit %d\n%s", dir, c, vout.String())
		}
	}

	// Quiet: no warning on the terminal, and after "ready" nothing at all;
	// the log file has the entries, never the token.
	term := errb.String()
	if strings.Contains(term, "[WARN]") || strings.Contains(term, "[ERROR]") {
		t.Errorf("a normal run printed warnings:\n%s", term)
	}
	if rest := term[terminalAtReady:]; rest != "" {
		t.Errorf("the terminal received background output after ready:\n%s", rest)
	}
	logs, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(logs), "capability mismatch") || strings.Contains(string(logs), token) {
		t.Errorf("log file %s: %v (token present: %v)", logFile, err, strings.Contains(string(logs), token))
	}
}

// checkMetrics scrapes /metrics as Prometheus would and checks the
// families issue #20 lists, after the self-check's and this test's calls.
func checkMetrics(t *testing.T, url, token string) {
	t.Helper()
	if resp, err := http.Get(url + "/metrics"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	has := func(name string, labels map[string]string, min float64) {
		t.Helper()
		f, ok := fams[name]
		if !ok {
			t.Errorf("/metrics lacks %s", name)
			return
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) && value(m) >= min {
				return
			}
		}
		t.Errorf("%s has no sample %v >= %v", name, labels, min)
	}
	has("machina_tool_calls_total", map[string]string{"tool": "machina_get_asset", "client": "demo-client", "outcome": "ok"}, 2)
	has("machina_plugin_call_duration_seconds", map[string]string{"plugin": "cmms-maximo", "operation": "get_asset"}, 1)
	has("machina_plugin_http_requests_total", map[string]string{"plugin": "cmms-maximo", "outcome": "2xx"}, 1)
	has("machina_plugin_instance_recycles_total", map[string]string{"plugin": "cmms-sap"}, 0)
	has("machina_plugin_traps_total", map[string]string{"plugin": "telegram"}, 0)
	has("machina_alarms_total", map[string]string{"event": "raised", "severity": "critical"}, 0)
	has("machina_trace_records_dropped_total", nil, 0)
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	return 0
}
