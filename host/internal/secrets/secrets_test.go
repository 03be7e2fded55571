package secrets_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/machina-go/machina/host/internal/secrets"
)

const plain = "s3cr3t-P@ss\"word<&>"

type holder struct {
	Name   string
	Pass   secrets.Value
	hidden secrets.Value
	Ptr    *secrets.Value
}

func TestValueNeverPrints(t *testing.T) {
	v := secrets.NewValue(plain)
	h := holder{Name: "x", Pass: v, hidden: v, Ptr: &v}
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3s", "%[1]v"} {
		outs = append(outs, fmt.Sprintf(f, v), fmt.Sprintf(f, h), fmt.Sprintf(f, &h), fmt.Sprintf(f, []any{v, h}))
	}
	outs = append(outs, fmt.Sprint(v, h), fmt.Sprintln(h), v.String(), v.GoString(), fmt.Sprintf("%v", map[string]secrets.Value{"k": v}))
	for _, x := range []any{v, h, &h, map[string]any{"p": v}} {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	tb, _ := v.MarshalText()
	outs = append(outs, string(tb))
	var buf bytes.Buffer
	l := hclog.New(&hclog.LoggerOptions{Output: &buf})
	l.Info("login", "pass", v, "holder", h)
	jl := hclog.New(&hclog.LoggerOptions{Output: &buf, JSONFormat: true})
	jl.Info("login", "pass", v, "holder", h)
	outs = append(outs, buf.String())
	for _, o := range outs {
		if strings.Contains(o, "s3cr3t") || strings.Contains(o, "P@ss") {
			t.Fatalf("secret leaked: %q", o)
		}
	}
	if !strings.Contains(fmt.Sprintf("%v", v), secrets.Redacted) {
		t.Fatalf("want %s", secrets.Redacted)
	}
	if v.Reveal() != plain || v.Len() != len(plain) || v.IsZero() || !v.Equal(secrets.NewValue(plain)) {
		t.Fatal("Reveal/Len/IsZero/Equal")
	}
	if !(secrets.Value{}).IsZero() || (secrets.Value{}).Reveal() != "" {
		t.Fatal("zero value")
	}
}

func TestLooksSecretKey(t *testing.T) {
	yes := []string{"token", "access_token", "refresh-token", "MACHINA_MCP_TOKENS_JSON", "tokens", "bearerToken",
		"password", "db_Password", "passwd", "secret", "client_secret", "ClientSecret", "api_key", "apiKey", "X-Api-Key",
		"Authorization", "proxy-authorization", "cookie", "Set-Cookie", "private_key", "privateKey", "credential",
		"credentials", "aws_access_key_id", "csrf_token", "x-csrf-token", "passphrase"}
	no := []string{"", "max_tokens", "maxTokens", "prompt_tokens", "completion_tokens", "total_tokens", "token_count",
		"tokenCount", "tokenizer", "num_tokens", "asset_id", "operation", "user", "username", "author", "key", "result_json",
		"http_path", "cost"}
	for _, k := range yes {
		if !secrets.LooksSecretKey(k) {
			t.Errorf("LooksSecretKey(%q) = false, want true", k)
		}
	}
	for _, k := range no {
		if secrets.LooksSecretKey(k) {
			t.Errorf("LooksSecretKey(%q) = true, want false", k)
		}
	}
}

func TestScrubberEncodings(t *testing.T) {
	s := secrets.NewScrubber(plain, "abc", "")
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want 1 (short and empty values ignored)", s.Len())
	}
	js, _ := json.Marshal(plain)
	var q bytes.Buffer
	enc := json.NewEncoder(&q)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"v": plain})
	cases := []string{
		"before " + plain + " after",
		"json " + string(js),
		"json no html " + q.String(),
		"go %q " + fmt.Sprintf("%q", plain),
		"query ?p=" + url.QueryEscape(plain),
		"path /" + url.PathEscape(plain),
		"b64 " + base64.StdEncoding.EncodeToString([]byte(plain)),
		"b64url " + base64.URLEncoding.EncodeToString([]byte(plain)),
		"b64raw " + base64.RawStdEncoding.EncodeToString([]byte(plain)),
	}
	// base64 of the value embedded in a longer stream, at each alignment.
	for k := 0; k < 3; k++ {
		cases = append(cases, "stream "+base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", k)+plain+"tail")))
	}
	for _, c := range cases {
		out := s.ScrubString(c)
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "P@ss") || !strings.Contains(out, secrets.Redacted) {
			t.Errorf("ScrubString(%q) = %q", c, out)
		}
		if b := s.ScrubBytes([]byte(c)); string(b) != out {
			t.Errorf("ScrubBytes differs: %q vs %q", b, out)
		}
	}
	for _, c := range cases[6:] {
		if strings.Contains(s.ScrubString(c), base64.RawStdEncoding.EncodeToString([]byte(plain))[:12]) {
			t.Errorf("base64 remnant in %q", s.ScrubString(c))
		}
	}
	in := []byte("nothing to see, abc")
	if out := s.ScrubBytes(in); &out[0] != &in[0] {
		t.Error("ScrubBytes copied a clean slice")
	}
	var nilS *secrets.Scrubber
	if nilS.ScrubString("x"+plain) != "x"+plain || nilS.Len() != 0 {
		t.Error("nil scrubber")
	}
	nilS.Add("whatever")
}

func TestScrubberBasicAuthAndRotation(t *testing.T) {
	s := secrets.NewScrubber()
	s.AddBasicAuth("maxadmin", "hunter22")
	hdr := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("maxadmin:hunter22"))
	if out := s.ScrubString(hdr); out != "Authorization: Basic "+secrets.Redacted {
		t.Fatalf("basic: %q", out)
	}
	s.Add("old-value-1")
	s.Add("new-value-2")
	if out := s.ScrubString("old-value-1 new-value-2"); out != secrets.Redacted+" "+secrets.Redacted {
		t.Fatalf("rotation: %q", out)
	}
}

func TestScrubberConcurrent(t *testing.T) {
	s := secrets.NewScrubber("initial-secret")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				s.Add(fmt.Sprintf("rotated-%d-%d", i, j))
			}
		}(i)
		go func() {
			defer wg.Done()
			for j := 0; j < 2000; j++ {
				if out := s.ScrubString("x initial-secret y"); out != "x "+secrets.Redacted+" y" {
					t.Errorf("got %q", out)
					return
				}
			}
		}()
	}
	wg.Wait()
	if s.Len() != 801 {
		t.Fatalf("Len = %d", s.Len())
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestRegistrySources(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds")
	if err := os.Mkdir(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cmms.pw"), "file-secret-1\n", 0o600)
	writeFile(t, filepath.Join(creds, "tg"), "systemd-secret-1", 0o600)
	env := map[string]string{"OPENAI_API_KEY": "env-secret-1", "CREDENTIALS_DIRECTORY": creds}
	var logs bytes.Buffer
	r, err := secrets.NewRegistry(map[string]string{
		"llm":  "env:OPENAI_API_KEY",
		"cmms": "file:" + filepath.Join(dir, "cmms.pw"),
		"tg":   "systemd:tg",
		"tg2":  "credential:tg",
	}, secrets.Options{Getenv: func(k string) string { return env[k] }, Logger: hclog.New(&hclog.LoggerOptions{Output: &logs})})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Names(), ","); got != "cmms,llm,tg,tg2" {
		t.Fatalf("Names = %s", got)
	}
	ctx := context.Background()
	want := map[string]string{"llm": "env-secret-1", "cmms": "file-secret-1", "tg": "systemd-secret-1", "tg2": "systemd-secret-1"}
	for name, w := range want {
		v, err := r.Get(ctx, name)
		if err != nil {
			t.Fatalf("Get(%s): %v", name, err)
		}
		if v.Reveal() != w {
			t.Fatalf("Get(%s) wrong value (len %d)", name, v.Len())
		}
	}
	// The scrubber was primed by NewRegistry.
	out := r.Scrubber().ScrubString("env-secret-1 file-secret-1 systemd-secret-1")
	if strings.Contains(out, "secret-1") {
		t.Fatalf("not scrubbed: %q", out)
	}
	// Rotation: the file is re-read at use; both values stay scrubbed.
	writeFile(t, filepath.Join(dir, "cmms.pw"), "file-secret-2\r\n", 0o600)
	v, err := r.Get(ctx, "cmms")
	if err != nil || v.Reveal() != "file-secret-2" {
		t.Fatalf("rotation: %v", err)
	}
	if out := r.Scrubber().ScrubString("file-secret-1 file-secret-2"); strings.Contains(out, "file-secret") {
		t.Fatalf("rotation not scrubbed: %q", out)
	}
	if _, err := r.Get(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown name: %v", err)
	}
	if logs.Len() != 0 {
		t.Fatalf("unexpected warnings: %s", logs.String())
	}
	if f := r.Check(); len(f) != 0 {
		t.Fatalf("Check: %+v", f)
	}
}

func TestRegistryErrorsNeverShowValues(t *testing.T) {
	for _, ref := range []string{"literal:hunter2-value", "hunter2-value", "vault:hunter2-value", "env:", "file:", "systemd:../x", "systemd:a/b"} {
		_, err := secrets.NewRegistry(map[string]string{"pw": ref}, secrets.Options{Getenv: func(string) string { return "" }})
		if err == nil {
			t.Fatalf("%q accepted", ref)
		}
		if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), `"pw"`) {
			t.Fatalf("%q: error %q should name the secret and hide the value", ref, err)
		}
	}
	// Missing sources are not fatal at construction, but Get and Check report them.
	dir := t.TempDir()
	r, err := secrets.NewRegistry(map[string]string{
		"a": "env:MISSING_VAR", "b": "file:" + filepath.Join(dir, "missing"), "c": "systemd:cred",
	}, secrets.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range r.Names() {
		if _, err := r.Get(context.Background(), n); err == nil {
			t.Fatalf("Get(%s) succeeded", n)
		}
	}
	f := r.Check()
	if len(f) != 3 {
		t.Fatalf("Check: %+v", f)
	}
	for _, x := range f {
		if x.Severity != "error" {
			t.Fatalf("severity %+v", x)
		}
	}
	// Empty file is an error too.
	writeFile(t, filepath.Join(dir, "empty"), "\n", 0o600)
	r, _ = secrets.NewRegistry(map[string]string{"e": "file:" + filepath.Join(dir, "empty")}, secrets.Options{})
	if _, err := r.Get(context.Background(), "e"); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty: %v", err)
	}
}

func TestRegistryWarnsOnLoosePermissions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pw")
	writeFile(t, p, "loose-secret-value", 0o644)
	var logs bytes.Buffer
	r, err := secrets.NewRegistry(map[string]string{"pw": "file:" + p},
		secrets.Options{Logger: hclog.New(&hclog.LoggerOptions{Output: &logs})})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = r.Get(context.Background(), "pw")
	if strings.Count(logs.String(), "readable by group or others") != 1 {
		t.Fatalf("want one warning, got: %s", logs.String())
	}
	if strings.Contains(logs.String(), "loose-secret-value") {
		t.Fatal("value in log")
	}
	f := r.Check()
	if len(f) != 1 || f[0].Severity != "warn" || f[0].Secret != "pw" || !strings.Contains(f[0].Message, "0644") {
		t.Fatalf("Check: %+v", f)
	}
	if _, ok := secrets.CheckFileMode(filepath.Join(dir, "none")); ok {
		t.Fatal("missing file reported")
	}
}

func TestLoadDotEnv(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	writeFile(t, p, "\ufeff# comment\n\nA=plain value # trailing comment\nexport B=exported\n"+
		"C=\"double \\\"quoted\\\"\\nline\" # c\nD='single $literal # not comment'\nE=\nF=a#b\n  G = spaced  \n", 0o600)
	got := map[string]string{}
	var logs bytes.Buffer
	err := secrets.LoadDotEnv(p, func(k, v string) error { got[k] = v; return nil }, hclog.New(&hclog.LoggerOptions{Output: &logs}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "plain value", "B": "exported", "C": "double \"quoted\"\nline",
		"D": "single $literal # not comment", "E": "", "F": "a#b", "G": "spaced"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if logs.Len() != 0 {
		t.Fatalf("warned: %s", logs.String())
	}
	// Loose permissions: loaded with a warning.
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := secrets.LoadDotEnv(p, func(k, v string) error { return nil }, hclog.New(&hclog.LoggerOptions{Output: &logs})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "readable by group or others") {
		t.Fatalf("no warning: %s", logs.String())
	}
	// Syntax errors name the line, not the value, and set nothing.
	for _, bad := range []string{"OK=1\nnot an assignment hunter2\n", "OK=1\nX=\"unterminated hunter2\n", "OK=1\n1BAD=hunter2\n", "OK=1\nY='a' hunter2\n"} {
		writeFile(t, p, bad, 0o600)
		set := 0
		err := secrets.LoadDotEnv(p, func(k, v string) error { set++; return nil }, nil)
		if err == nil || !strings.Contains(err.Error(), ":2") || strings.Contains(err.Error(), "hunter2") || set != 0 {
			t.Fatalf("%q: err=%v set=%d", bad, err, set)
		}
	}
	if err := secrets.LoadDotEnv(filepath.Join(dir, "missing"), nil, nil); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestNamesSorted(t *testing.T) {
	r, err := secrets.NewRegistry(map[string]string{"b": "env:B", "a": "env:A"}, secrets.Options{Getenv: func(string) string { return "value-xyz" }})
	if err != nil {
		t.Fatal(err)
	}
	if !sort.StringsAreSorted(r.Names()) || !r.Has("a") || r.Has("c") {
		t.Fatal(r.Names())
	}
}
