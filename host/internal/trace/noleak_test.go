package trace_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/syncbuf"

	"github.com/machina-go/machina/host/internal/logging"
	"github.com/machina-go/machina/host/internal/secrets"
	"github.com/machina-go/machina/host/internal/trace"
)

type lockedBuf = syncbuf.Buffer

// TestNoSecretLeaks loads one secret from each source (environment, file,
// systemd credentials directory, .env file) and checks that none of them
// reaches logger output, trace files, or any rendering of the holder.
func TestNoSecretLeaks(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.Mkdir(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{
		"env":     "env-SECRET-0001",
		"file":    "file-SECRET-0002",
		"systemd": `sysd-SECRET-"0003"`,
		"dotenv":  "dotenv-SECRET-0004",
	}
	if err := os.WriteFile(filepath.Join(dir, "cmms.pw"), []byte(values["file"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, "telegram"), []byte(values["systemd"]), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("# dev\nMACHINA_SMTP_PASSWORD='"+values["dotenv"]+"'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OPENAI_API_KEY": values["env"], "CREDENTIALS_DIRECTORY": creds}
	if err := secrets.LoadDotEnv(filepath.Join(dir, ".env"), func(k, v string) error { env[k] = v; return nil }, nil); err != nil {
		t.Fatal(err)
	}
	var logBuf lockedBuf
	reg, err := secrets.NewRegistry(map[string]string{
		"llm":  "env:OPENAI_API_KEY",
		"cmms": "file:" + filepath.Join(dir, "cmms.pw"),
		"tg":   "systemd:telegram",
		"smtp": "env:MACHINA_SMTP_PASSWORD",
	}, secrets.Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	log := logging.New(logging.Options{Name: "machina", Level: "trace", Output: &logBuf, Scrubber: reg.Scrubber()})
	jlog := logging.New(logging.Options{Name: "machina", Level: "trace", JSON: true, Output: &logBuf, Scrubber: reg.Scrubber()})
	tr, err := trace.New(trace.Options{Dir: filepath.Join(dir, "traces"), Scrubber: reg.Scrubber(), HashChain: true, Logger: log.Named("trace")})
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	type holder struct {
		Name  string
		Value secrets.Value
		inner secrets.Value
	}
	var renders []string
	for _, name := range reg.Names() {
		v, err := reg.Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		h := holder{Name: name, Value: v, inner: v}
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			renders = append(renders, fmt.Sprintf(f, v), fmt.Sprintf(f, h), fmt.Sprintf(f, &h))
		}
		b, _ := json.Marshal(h)
		renders = append(renders, string(b))

		raw := v.Reveal() // what a careless caller might do
		basic := base64.StdEncoding.EncodeToString([]byte(raw))
		for _, l := range []interface {
			Info(string, ...any)
		}{log.Named("plugin").Named("cmms-maximo"), jlog.With("component", "x")} {
			l.Info("calling upstream with "+raw, "password", raw, "note", "value="+raw,
				"err", errors.New("401 for "+raw), "holder", h, "hdr", "Basic "+basic, "cfg", map[string]any{"token": raw})
		}
		tr.Record(trace.Entry{Action: "plugin_http", Success: false, Error: "denied: " + raw,
			InputSummary: raw, OutputSummary: basic, HTTPPath: "/x?key=" + raw,
			Metadata: map[string]any{"result_json": `{"echo":"` + raw + `"}`, "nested": []any{map[string]any{"authorization": raw}}, "v": v}})
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tr.Close(cctx); err != nil {
		t.Fatal(err)
	}
	var traceText strings.Builder
	files, _ := filepath.Glob(filepath.Join(dir, "traces", "*.jsonl"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		traceText.Write(b)
	}
	if traceText.Len() == 0 || logBuf.String() == "" {
		t.Fatal("nothing written")
	}
	all := map[string]string{"log": logBuf.String(), "trace": traceText.String(), "renders": strings.Join(renders, "\n")}
	for where, text := range all {
		for src, v := range values {
			for _, form := range []string{v, strings.ReplaceAll(v, `"`, `\"`), base64.StdEncoding.EncodeToString([]byte(v)), "SECRET-000"} {
				if strings.Contains(text, form) {
					t.Errorf("%s secret (form %q) leaked into %s", src, form, where)
				}
			}
		}
		if !strings.Contains(text, secrets.Redacted) {
			t.Errorf("%s: no %s marker", where, secrets.Redacted)
		}
	}
	if rep, err := trace.Verify(filepath.Join(dir, "traces")); err != nil || !rep.OK || rep.Entries != 4 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
