package logging_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/machina-go/machina/internal/syncbuf"

	"github.com/hashicorp/go-hclog"

	"github.com/machina-go/machina/host/internal/logging"
	"github.com/machina-go/machina/host/internal/secrets"
)

const (
	secretA = "sk-live-AAAA1111"
	secretB = `pa"ss<w>ord&22`
)

type syncBuf = syncbuf.Buffer

type creds struct {
	User     string
	Password string
	Nested   struct{ Key string }
	Token    string // not a known value: redacted by its key
}

func assertClean(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{secretA, secretB, "AAAA1111", "hunter-xyz", "keyval-999"} {
		if strings.Contains(out, s) {
			t.Fatalf("secret %q leaked in:\n%s", s, out)
		}
	}
}

func logEverything(l hclog.Logger) {
	sub := l.Named("plugin").Named("cmms-maximo").With("api_key", "keyval-999")
	c := creds{User: "u", Password: secretA}
	c.Nested.Key = secretB
	c.Token = "hunter-xyz"
	sub.Info("connecting with "+secretA, "password", "hunter-xyz", "Authorization", "Bearer x", "url", "https://h/?k="+secretA)
	sub.Warn("failed", "error", errors.New("auth failed for "+secretB), "creds", c, "f", hclog.Fmt("%+v", c.Nested), "ptr", &c, "list", []creds{c})
	sub.Error("stringer", "v", secrets.NewValue(secretA), "m", map[string]any{"token": "hunter-xyz", "ok": secretA})
	sub.Log(hclog.Info, "log", "max_tokens", 4096, "dangling")
	l.ResetNamed("other").Info("again", "x", fmt.Sprintf("%v", c.Password))
}

func TestRedactsTextAndJSON(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		var buf syncBuf
		l := logging.New(logging.Options{Name: "machina", Level: "debug", JSON: asJSON, Output: &buf,
			Scrubber: secrets.NewScrubber(secretA, secretB)})
		logEverything(l)
		out := buf.String()
		assertClean(t, out)
		for _, want := range []string{"machina.plugin.cmms-maximo", "[REDACTED]", "4096", "other"} {
			if !strings.Contains(out, want) {
				t.Fatalf("json=%v: %q missing in:\n%s", asJSON, want, out)
			}
		}
		if asJSON {
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("bad JSON line %q: %v", line, err)
				}
			}
		}
	}
}

func TestKeyRedactionWithoutScrubber(t *testing.T) {
	var buf syncBuf
	l := logging.New(logging.Options{Output: &buf})
	l.Info("x", "client_secret", "hunter-xyz", "Set-Cookie", "sid=hunter-xyz", "prompt_tokens", 12)
	l.With("token", "hunter-xyz").Info("y")
	out := buf.String()
	assertClean(t, out)
	if !strings.Contains(out, "prompt_tokens=12") {
		t.Fatalf("token count redacted: %s", out)
	}
}

func TestLevels(t *testing.T) {
	var buf syncBuf
	l := logging.New(logging.Options{Output: &buf, Level: "warn"})
	l.Info("hidden")
	l.Warn("shown")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), "shown") {
		t.Fatal(buf.String())
	}
	buf = syncBuf{}
	l = logging.New(logging.Options{Output: &buf, Level: "loud"})
	if !strings.Contains(buf.String(), "unknown log level") || !l.IsInfo() || l.IsDebug() {
		t.Fatal(buf.String())
	}
	if _, err := logging.ParseLevel("loud"); err == nil {
		t.Fatal("ParseLevel accepted junk")
	}
	if lv, err := logging.ParseLevel("TRACE"); err != nil || lv != hclog.Trace {
		t.Fatal(lv, err)
	}
}

func TestConcurrentSubLoggers(t *testing.T) {
	var buf syncBuf
	l := logging.New(logging.Options{Output: &buf, Scrubber: secrets.NewScrubber(secretA)})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sub := l.Named(fmt.Sprintf("p%d", i))
			for j := 0; j < 50; j++ {
				sub.Info("msg "+secretA, "n", j)
			}
		}(i)
	}
	wg.Wait()
	out := buf.String()
	assertClean(t, out)
	if n := strings.Count(out, "\n"); n != 400 {
		t.Fatalf("%d lines", n)
	}
}

// levelSink records what hclog hands a level-routing output.
type levelSink struct {
	mu    sync.Mutex
	lines map[hclog.Level][]string
}

func (s *levelSink) Write(p []byte) (int, error) { return s.LevelWrite(hclog.NoLevel, p) }

func (s *levelSink) LevelWrite(l hclog.Level, p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines[l] = append(s.lines[l], string(p))
	return len(p), nil
}

// TestLevelWriterKeepsLevelsAndScrubs: an output that routes by level
// (hclog.LevelWriter) gets each entry with its level, scrubbed.
func TestLevelWriterKeepsLevelsAndScrubs(t *testing.T) {
	sink := &levelSink{lines: map[hclog.Level][]string{}}
	s := secrets.NewScrubber()
	s.Add(secretA)
	l := logging.New(logging.Options{Name: "m", Output: sink, Scrubber: s})
	l.Info("starting", "detail", "key "+secretA)
	l.Warn("trouble")
	if len(sink.lines[hclog.Info]) != 1 || len(sink.lines[hclog.Warn]) != 1 || len(sink.lines[hclog.NoLevel]) != 0 {
		t.Fatalf("lines by level: %v", sink.lines)
	}
	if strings.Contains(sink.lines[hclog.Info][0], secretA) {
		t.Fatal("secret reached a level writer")
	}
}

// TestLocationIsTheCaller: with IncludeLocation every level method, Log
// and derived loggers report the line that logged, not the wrapper.
func TestLocationIsTheCaller(t *testing.T) {
	var out syncBuf
	l := logging.New(logging.Options{Output: &out, Level: "trace", IncludeLocation: true})
	sub := l.Named("sub").With("k", "v")
	_, _, line, _ := runtime.Caller(0)
	l.Trace("t")
	l.Debug("d")
	l.Info("i")
	sub.Warn("w")
	sub.Error("e")
	l.Log(hclog.Info, "log")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("want 6 lines, got:\n%s", out.String())
	}
	for i, got := range lines {
		if want := fmt.Sprintf("logging_test.go:%d", line+1+i); !strings.Contains(got, want) {
			t.Errorf("line %d: want location %s in %q", i, want, got)
		}
	}
}
