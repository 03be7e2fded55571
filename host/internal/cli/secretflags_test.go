package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/trace"
)

func TestRunRefusesSecretFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--password=x"},
		{"serve", "--password", "x"},
		{"serve", "-api-key=abc"},
		{"plugin", "test", "--cmms_token=abc"},
		{"serve", "--client-secret", "abc"},
		{"docs", "ingest", "--Private_Key=/k"},
	} {
		c, out, errb := testCLI(nil)
		code := run(context.Background(), c, args)
		if code == 0 {
			t.Fatalf("%v: exit 0", args)
		}
		msg := errb.String()
		for _, want := range []string{"command line", "env:NAME", "file:PATH", "systemd"} {
			if !strings.Contains(msg, want) {
				t.Fatalf("%v: message %q lacks %q", args, msg, want)
			}
		}
		if out.String() != "" || strings.Contains(msg, "=x") || strings.Contains(msg, "abc") {
			t.Fatalf("%v: stdout %q stderr %q (the value must not be echoed)", args, out, msg)
		}
	}
	// Values after "--" and positional arguments are not flags.
	c, _, errb := testCLI(nil)
	if code := run(context.Background(), c, []string{"version", "--", "--password=x"}); code != 0 {
		t.Fatalf("after --: exit %d: %s", code, errb)
	}
}

// traceCLIDir writes n chained trace entries and returns the directory and
// its (single) file.
func traceCLIDir(t *testing.T, n int) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "traces")
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tr, err := trace.New(trace.Options{Dir: dir, HashChain: true, Clock: func() time.Time { return day }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		tr.Record(trace.Entry{Action: "tool_call", Operation: "op", ClientID: "client-a", Success: true})
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "traces-2026-11-23.jsonl")
}

func TestTraceVerifyCommand(t *testing.T) {
	dir, file := traceCLIDir(t, 4)
	c, out, errb := testCLI(nil)
	if code := run(context.Background(), c, []string{"trace", "verify", dir}); code != 0 || !strings.HasPrefix(out.String(), "OK: 1 files, 4 entries") {
		t.Fatalf("intact: exit %d\n%s%s", code, out, errb)
	}
	// Default directory from MACHINA_TRACE_DIR, JSON report.
	c, out, _ = testCLI(map[string]string{"MACHINA_TRACE_DIR": dir})
	if code := run(context.Background(), c, []string{"trace", "verify", "--json"}); code != 0 {
		t.Fatalf("env dir: exit %d", code)
	}
	var rep trace.Report
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil || !rep.OK || rep.LastSeq != 4 {
		t.Fatalf("json: %v %+v", err, rep)
	}
	// A crash's torn last line: exit 0, told apart from a break.
	b, _ := os.ReadFile(file)
	if err := os.WriteFile(file, append(append([]byte(nil), b...), `{"seq":5,"timest`...), 0o600); err != nil {
		t.Fatal(err)
	}
	c, out, _ = testCLI(nil)
	if code := run(context.Background(), c, []string{"trace", "verify", dir}); code != 0 ||
		!strings.Contains(out.String(), "note: traces-2026-11-23.jsonl: truncated at line 5 (crash)") || strings.Contains(out.String(), "BROKEN") {
		t.Fatalf("torn: exit %d\n%s", code, out)
	}
	// Delete the second line.

	lines := strings.SplitAfter(string(b), "\n")
	if err := os.WriteFile(file, []byte(lines[0]+strings.Join(lines[2:], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	c, out, _ = testCLI(nil)
	if code := run(context.Background(), c, []string{"trace", "verify", dir}); code != 1 || !strings.Contains(out.String(), "BROKEN: traces-2026-11-23.jsonl:2:") {
		t.Fatalf("broken: exit %d\n%s", code, out)
	}
	c, _, _ = testCLI(nil)
	if code := run(context.Background(), c, []string{"trace", "verify", filepath.Join(dir, "nope")}); code != 1 {
		t.Fatalf("missing dir: exit %d", code)
	}
	c, _, _ = testCLI(nil)
	if code := run(context.Background(), c, []string{"trace", "verify", "a", "b"}); code != 2 {
		t.Fatalf("usage: exit %d", code)
	}
	c, _, _ = testCLI(nil)
	if code := run(context.Background(), c, []string{"trace", "bogus"}); code != 2 {
		t.Fatalf("unknown subcommand: exit %d", code)
	}
}

func TestTraceTailCommand(t *testing.T) {
	dir, _ := traceCLIDir(t, 5)
	c, out, errb := testCLI(nil)
	if code := run(context.Background(), c, []string{"trace", "tail", "-n", "2", "--dir", dir}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "tool_call") || !strings.Contains(lines[1], "client=client-a") || !strings.Contains(lines[1], "seq=5") {
		t.Fatalf("text tail:\n%s", out)
	}
	c, out, _ = testCLI(map[string]string{"MACHINA_TRACE_DIR": dir})
	if code := run(context.Background(), c, []string{"trace", "tail", "--json"}); code != 0 {
		t.Fatalf("json exit %d", code)
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var e trace.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Action != "tool_call" {
			t.Fatalf("json line %q: %v", l, err)
		}
	}
	// --follow returns when the context ends.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, _, _ = testCLI(nil)
	if code := run(ctx, c, []string{"trace", "tail", "--follow", "-n", "0", "--dir", dir}); code != 0 {
		t.Fatalf("follow exit %d", code)
	}
}
