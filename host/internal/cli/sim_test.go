package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/machina-go/machina/internal/sim/plantinfo"

	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/sim/sap"
	"github.com/machina-go/machina/internal/sim/telegram"
)

// startSim runs `machina sim ARGS…` until the test ends and returns the
// first stdout line matching re (its submatches), and stderr.
func startSim(t *testing.T, env map[string]string, re *regexp.Regexp, args ...string) ([]string, *lockedBuf) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb lockedBuf
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &cli{stdout: pw, stderr: &errb, getenv: func(k string) string { return env[k] }}, append([]string{"sim"}, args...))
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("sim %v: exit %d\n%s", args, code, errb.String())
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, pr) // the rest of the output
			return m, &errb
		}
	}
	t.Fatalf("sim %v: no line matching %s\n%s", args, re, errb.String())
	return nil, nil
}

// simExit runs `machina sim ARGS…` to its end and returns the exit code
// and stderr.
func simExit(t *testing.T, args ...string) (int, string) {
	code, _, stderr := runCLI(t, nil, append([]string{"sim"}, args...)...)
	return code, stderr
}

// simPrintConfig runs `machina sim ARGS… --listen 127.0.0.1:0
// --print-config` with env and a context that has already ended (serve
// nothing: print and stop), and returns the exit code and stdout.
func simPrintConfig(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	c, out, _ := testCLI(env)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code := run(ctx, c, append(append([]string{"sim"}, args...), "--listen", "127.0.0.1:0", "--print-config"))
	return code, out.String()
}

// Generated credentials go to an env file (0600); only the variable names
// are printed; the simulator accepts them.
func TestSimMaximoGeneratedCredentials(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "sim.env")
	m, errb := startSim(t, nil, regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`),
		"maximo", "--listen", "127.0.0.1:0", "--auth", "basic", "--env-file", envFile)
	st, err := os.Stat(envFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("env file: %v %v", err, st)
	}
	text, _ := os.ReadFile(envFile)
	vals := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		vals[k] = v
	}
	if vals[maximo.EnvPassword] == "" || strings.Contains(errb.String(), vals[maximo.EnvPassword]) {
		t.Fatal("the password is missing from the env file or was logged")
	}
	r, _ := http.NewRequest("GET", m[1]+"/maximo/oslc/whoami", nil)
	r.SetBasicAuth(vals[maximo.EnvUser], vals[maximo.EnvPassword])
	resp, err := http.DefaultClient.Do(r)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("whoami with the generated credentials: %v %v", err, resp)
	}
	resp.Body.Close()
	if code, _ := simExit(t, "maximo", "--auth", "kerberos"); code != 2 {
		t.Fatalf("bad auth mode: exit %d", code)
	}
}

func TestSimMaximoPrintConfig(t *testing.T) {
	code, out := simPrintConfig(t, map[string]string{maximo.EnvAPIKey: "k-not-printed"}, "maximo")
	if code != 0 || !strings.Contains(out, "env:"+maximo.EnvAPIKey) || strings.Contains(out, "k-not-printed") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestSimSAP(t *testing.T) {
	if code, errs := simExit(t, "sap", "-h"); code != 0 || !strings.Contains(errs, "-odata") {
		t.Fatalf("-h: %d %s", code, errs)
	}
	for _, args := range [][]string{{"--odata", "v3"}, {"--auth", "kerberos"}, {"extra"}} {
		if code, _ := simExit(t, append([]string{"sap"}, args...)...); code != 2 {
			t.Fatalf("%v: exit %d", args, code)
		}
	}
	env := map[string]string{sap.EnvClientID: "cid", sap.EnvClientSecret: "s3cr3t-value-123"}
	m, errb := startSim(t, env, regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)\S* \((OData v4)`),
		"sap", "--listen", "127.0.0.1:0", "--odata", "v4", "--auth", "oauth2", "--print-config")
	if strings.Contains(errb.String(), "s3cr3t") || m[2] != "OData v4" {
		t.Fatalf("output: %v %s", m, errb.String())
	}
}

func TestSimTelegram(t *testing.T) {
	const token = "42:sim-token"
	if code, _ := simExit(t, "telegram"); code != 2 {
		t.Fatalf("without a token: exit %d", code)
	}
	m, errb := startSim(t, map[string]string{telegram.DefaultTokenEnv: token}, regexp.MustCompile(`^(\{.*\})$`),
		"telegram", "--listen", "127.0.0.1:0", "--json")
	var info struct {
		BaseURL string `json:"base_url"`
	}
	if err := json.Unmarshal([]byte(m[1]), &info); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(info.BaseURL + "/bot" + token + "/getMe")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("getMe on the command's server: %v %v", err, resp)
	}
	resp.Body.Close()
	if strings.Contains(errb.String(), "sim-token") {
		t.Fatal("the token was logged")
	}
}

// TestSimPlant: `machina sim plant` runs the simulators and writes a
// configuration a separate `machina serve` loads, with a 0600 token file;
// the Telegram and Maximo control endpoints answer.
func TestSimPlant(t *testing.T) {
	if code, _ := simExit(t, "plant"); code != 2 {
		t.Fatalf("without --state: exit %d", code)
	}
	state := t.TempDir()
	m, _ := startSim(t, nil, regexp.MustCompile(`^(\{.*\})$`), "plant", "--state", state, "--listen", "127.0.0.1:0",
		"--plugins", testplugin.DemoPlugins(t), "--json")
	var info plantinfo.Info
	if err := json.Unmarshal([]byte(m[1]), &info); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(info.Config, func(string) string { return "" }); err != nil {
		t.Fatalf("the written configuration does not load: %v", err)
	}
	if st, err := os.Stat(info.TokenFile); err != nil || st.Mode().Perm() != 0o600 || filepath.Dir(info.TokenFile) != state {
		t.Fatalf("token file %s: %v %v", info.TokenFile, st, err)
	}
	resp, err := http.Post(info.TelegramURL+"/sim/inject", "application/json", strings.NewReader(`{"chat_id":4242,"text":"hi"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("inject: %v %v", err, resp)
	}
	resp.Body.Close()
	key, err := os.ReadFile(filepath.Join(state, "secrets", "maximo_apikey"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, info.MaximoURL+"/_sim/stats", nil)
	req.Header.Set("apikey", strings.TrimSpace(string(key)))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("maximo stats: %v %v", err, resp)
	}
	resp.Body.Close()
}
