package trace

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/syncbuf"

	"github.com/machina-go/machina/host/internal/secrets"
)

func newTracer(t testing.TB, opts Options) *Tracer {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "traces")
	}
	tr, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close(context.Background()) })
	return tr
}

func closeTracer(t testing.TB, tr *Tracer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tr.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// readEntries returns every line of every trace file in dir, in order.
func readEntries(t testing.TB, dir string) (names []string, entries []map[string]any) {
	t.Helper()
	files, err := listFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		names = append(names, f.name)
		fh, err := os.Open(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: %v: %s", f.name, err, sc.Text())
			}
			entries = append(entries, m)
		}
		fh.Close()
	}
	return names, entries
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestPermissions(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "fresh", "traces")
	tr := newTracer(t, Options{Dir: fresh})
	tr.Record(Entry{Action: "x", Success: true})
	closeTracer(t, tr)
	if m := mode(t, fresh); m&^0o750 != 0 {
		t.Fatalf("new dir mode %04o", m)
	}
	names, _ := readEntries(t, fresh)
	if len(names) != 1 || mode(t, filepath.Join(fresh, names[0])) != 0o600 {
		t.Fatalf("files %v", names)
	}

	loose := filepath.Join(base, "loose")
	if err := os.Mkdir(loose, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o777); err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().Format(time.DateOnly)
	old := filepath.Join(loose, fileName(day, 0))
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(old, 0o644); err != nil {
		t.Fatal(err)
	}
	tr = newTracer(t, Options{Dir: loose})
	if m := mode(t, loose); m != 0o750 {
		t.Fatalf("loose dir tightened to %04o, want 0750", m)
	}
	tr.Record(Entry{Action: "x", Success: true})
	closeTracer(t, tr)
	if m := mode(t, old); m != 0o600 {
		t.Fatalf("existing file mode %04o", m)
	}
}

func TestDirFromEnvAndDefaults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "from-env")
	tr, err := New(Options{Getenv: func(k string) string {
		if k == "MACHINA_TRACE_DIR" {
			return dir
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	closeTracer(t, tr)
	if tr.Dir() != dir {
		t.Fatalf("Dir = %s", tr.Dir())
	}
	for _, bad := range []Options{{Dir: dir, Fsync: "sometimes"}, {Dir: dir, Retain: -1}, {Dir: dir, Fsync: "-1s"}} {
		if _, err := New(bad); err == nil {
			t.Fatalf("%+v accepted", bad)
		}
	}
	for _, ok := range []string{"never", "every", "10ms", ""} {
		tr, err := New(Options{Dir: dir, Fsync: ok})
		if err != nil {
			t.Fatal(ok, err)
		}
		tr.Record(Entry{Action: "fsync-" + ok, Success: true})
		closeTracer(t, tr)
	}
	if _, es := readEntries(t, dir); len(es) != 4 {
		t.Fatalf("%d entries", len(es))
	}
}

func TestUTCDayRollover(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	now := time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now.In(cet) }
	dir := t.TempDir()
	tr := newTracer(t, Options{Dir: dir, Clock: clock, HashChain: true})
	tr.Record(Entry{Action: "before-midnight", Success: true}) // 00:59:59 CET = 23:59:59 UTC
	tr.Record(Entry{Action: "explicit", Timestamp: time.Date(2026, 11, 24, 0, 30, 0, 0, cet), Success: true})
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	tr.Record(Entry{Action: "after-midnight", Success: true})
	tr.Record(Entry{Action: "bogus-future", Timestamp: now.AddDate(1, 0, 0), Success: true})
	closeTracer(t, tr)
	names, es := readEntries(t, dir)
	if strings.Join(names, ",") != "traces-2026-11-23.jsonl,traces-2026-11-24.jsonl" {
		t.Fatalf("files %v", names)
	}
	if len(es) != 4 || es[0]["timestamp"] != "2026-11-23T23:59:59Z" || es[1]["action"] != "explicit" || es[2]["action"] != "after-midnight" {
		t.Fatalf("entries %v", es)
	}
	if rep, err := Verify(dir); err != nil || !rep.OK || rep.Entries != 4 {
		t.Fatalf("verify across days: %+v %v", rep, err)
	}
}

func TestSizeRotationAndRetention(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tr := newTracer(t, Options{Dir: dir, MaxFileBytes: 2000, Clock: func() time.Time { return day }, HashChain: true})
	for i := 0; i < 40; i++ {
		tr.Record(Entry{Action: "tool_call", Operation: fmt.Sprintf("op-%02d", i), Success: true})
	}
	closeTracer(t, tr)
	names, es := readEntries(t, dir)
	if len(es) != 40 || len(names) < 4 {
		t.Fatalf("%d entries in %v", len(es), names)
	}
	if names[0] != "traces-2026-11-23.jsonl" || names[1] != "traces-2026-11-23.1.jsonl" {
		t.Fatalf("names %v", names)
	}
	for _, n := range names {
		st, _ := os.Stat(filepath.Join(dir, n))
		if st.Size() > 2000 {
			t.Fatalf("%s is %d bytes", n, st.Size())
		}
	}
	for i, e := range es {
		if e["operation"] != fmt.Sprintf("op-%02d", i) {
			t.Fatalf("order: %d = %v", i, e["operation"])
		}
	}
	if rep, err := Verify(dir); err != nil || !rep.OK || rep.LastSeq != 40 {
		t.Fatalf("verify: %+v %v", rep, err)
	}

	// Restart with retention: the chain continues, old files go.
	tr = newTracer(t, Options{Dir: dir, MaxFileBytes: 2000, Retain: 2, Clock: func() time.Time { return day }, HashChain: true})
	for i := 40; i < 50; i++ {
		tr.Record(Entry{Action: "tool_call", Operation: fmt.Sprintf("op-%02d", i), Success: true})
	}
	closeTracer(t, tr)
	names, es = readEntries(t, dir)
	if len(names) != 2 {
		t.Fatalf("retention kept %v", names)
	}
	if es[len(es)-1]["operation"] != "op-49" {
		t.Fatalf("last %v", es[len(es)-1])
	}
	rep, err := Verify(dir)
	if err != nil || !rep.OK || rep.LastSeq != 50 || rep.Anchor == "" {
		t.Fatalf("verify after retention: %+v %v", rep, err)
	}
}

func TestFullBufferDropsAndCounts(t *testing.T) {
	dir := t.TempDir()
	tr := newTracer(t, Options{Dir: dir, BufferSize: 8})
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	tr.Subscribe(func(e Entry) {
		once.Do(func() { close(entered); <-release })
	})
	tr.Record(Entry{Action: "first", Success: true})
	<-entered // the writer is now stuck in the subscriber
	for i := 0; i < 8+5; i++ {
		tr.Record(Entry{Action: "fill", Success: true}) // never blocks
	}
	if d := tr.Dropped(); d != 5 {
		t.Fatalf("Dropped = %d, want 5", d)
	}
	close(release)
	closeTracer(t, tr)
	tr.Record(Entry{Action: "after-close"}) // dropped, no panic
	if tr.Dropped() != 6 {
		t.Fatalf("Dropped after close = %d", tr.Dropped())
	}
	_, es := readEntries(t, dir)
	if len(es) != 1+8+1 {
		t.Fatalf("%d entries", len(es))
	}
	last := es[len(es)-1]
	if last["action"] != ActionTraceDropped || last["metadata"].(map[string]any)["dropped"] != float64(5) {
		t.Fatalf("drop report %v", last)
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	tr := newTracer(t, Options{Dir: dir, HashChain: true, MaxFileBytes: 64 << 10, BufferSize: 64})
	const writers, each = 8, 300
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				tr.record(Entry{Action: "tool_call", Operation: fmt.Sprint(w, "-", i), Success: true,
					Metadata: map[string]any{"w": w, "i": i}}, true)
			}
		}(w)
	}
	wg.Wait()
	closeTracer(t, tr)
	_, es := readEntries(t, dir)
	if len(es) != writers*each || tr.Written() != writers*each || tr.Dropped() != 0 {
		t.Fatalf("%d entries, written %d dropped %d", len(es), tr.Written(), tr.Dropped())
	}
	seen := map[string]bool{}
	for _, e := range es {
		seen[e["operation"].(string)] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d distinct", len(seen))
	}
	if rep, err := Verify(dir); err != nil || !rep.OK || rep.LastSeq != writers*each {
		t.Fatalf("%+v %v", rep, err)
	}
	if r := tr.Recent(5); len(r) != 5 || r[4].Seq != writers*each {
		t.Fatalf("Recent: %+v", r)
	}
}

// chainDir writes n chained entries into one file and returns its path.
func chainDir(t *testing.T, n int) (string, string) {
	dir := t.TempDir()
	day := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	tr := newTracer(t, Options{Dir: dir, HashChain: true, Clock: func() time.Time { return day }})
	for i := 0; i < n; i++ {
		tr.Record(Entry{Action: "tool_call", Operation: fmt.Sprint("op", i), Success: true})
	}
	closeTracer(t, tr)
	return dir, filepath.Join(dir, "traces-2026-11-23.jsonl")
}

func editLines(t *testing.T, path string, f func([][]byte) [][]byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	lines = f(lines)
	if err := os.WriteFile(path, append(bytes.Join(lines, []byte("\n")), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	dir, _ := chainDir(t, 5)
	if rep, err := Verify(dir); err != nil || !rep.OK || rep.Entries != 5 || rep.FirstSeq != 1 || rep.Anchor != "" {
		t.Fatalf("intact: %+v %v", rep, err)
	}
	cases := []struct {
		name   string
		edit   func([][]byte) [][]byte
		line   int
		reason string
	}{
		{"edited", func(l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte(`"success":true`), []byte(`"success":false`), 1)
			return l
		}, 3, "edited"},
		{"edited-last", func(l [][]byte) [][]byte { l[4] = bytes.Replace(l[4], []byte("op4"), []byte("opX"), 1); return l }, 5, "edited"},
		{"deleted", func(l [][]byte) [][]byte { return append(l[:1], l[2:]...) }, 2, "deleted"},
		{"reordered", func(l [][]byte) [][]byte { l[1], l[2] = l[2], l[1]; return l }, 2, "reordered"},
		{"garbage", func(l [][]byte) [][]byte { l[3] = []byte("{not json"); return l }, 4, "JSON"},
		{"unchained-inside", func(l [][]byte) [][]byte { l[3] = []byte(`{"action":"x"}`); return l }, 4, "without hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, path := chainDir(t, 5)
			editLines(t, path, c.edit)
			rep, err := Verify(dir)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || rep.File != "traces-2026-11-23.jsonl" || rep.Line != c.line || !strings.Contains(rep.Reason, c.reason) {
				t.Fatalf("%+v", rep)
			}
		})
	}
	// A truncated last line (crash mid-write).
	dir, path := chainDir(t, 3)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, b[:len(b)-10], 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, _ := Verify(dir); !rep.OK || len(rep.Truncated) != 1 || rep.Truncated[0].Line != 3 || rep.LastSeq != 2 {
		t.Fatalf("truncated: %+v", rep)
	}
}

func TestVerifyUnchainedPrefix(t *testing.T) {
	dir := t.TempDir()
	tr := newTracer(t, Options{Dir: dir})
	tr.Record(Entry{Action: "plain", Success: true})
	closeTracer(t, tr)
	tr = newTracer(t, Options{Dir: dir, HashChain: true})
	tr.Record(Entry{Action: "chained", Success: true})
	closeTracer(t, tr)
	rep, err := Verify(dir)
	if err != nil || !rep.OK || rep.Unchained != 1 || rep.LastSeq != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := Verify(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing dir")
	}
}

func TestRedactionOnWrite(t *testing.T) {
	dir := t.TempDir()
	sc := secrets.NewScrubber("sk-known-secret-1")
	tr := newTracer(t, Options{Dir: dir, Scrubber: sc})
	type cfg struct {
		URL      string
		Password string
	}
	long := strings.Repeat("é", 2500)
	tr.Record(Entry{
		Action:        "tool_call",
		InputSummary:  "key sk-known-secret-1 " + long,
		OutputSummary: "short",
		Error:         "upstream said sk-known-secret-1",
		DurationMS:    12.3456,
		HTTPPath:      "/api/x?token=sk-other",
		HTTPOrigin:    "https://user:pw@cmms.example:8443",
		Metadata: map[string]any{
			"api_key":    "plain-unknown-value",
			"max_tokens": 4096,
			"nested": map[string]any{
				"Authorization": "Bearer abc",
				"list":          []any{map[string]any{"client_secret": "zzz"}, "sk-known-secret-1"},
				"cfg":           cfg{URL: "u", Password: "pw-unknown"},
				"headers":       map[string][]string{"Cookie": {"sid=1"}, "Accept": {"json"}},
			},
			"err": errors.New("failed with sk-known-secret-1"),
			"val": secrets.NewValue("whatever-value"),
		},
	})
	closeTracer(t, tr)
	b, _ := os.ReadFile(filepath.Join(dir, fileName(time.Now().UTC().Format(time.DateOnly), 0)))
	out := string(b)
	for _, bad := range []string{"sk-known-secret-1", "plain-unknown-value", "Bearer abc", "zzz", "pw-unknown", "sid=1", "whatever-value", "token=", "user:pw"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q in trace: %s", bad, out)
		}
	}
	_, es := readEntries(t, dir)
	e := es[0]
	md := e["metadata"].(map[string]any)
	if md["max_tokens"] != float64(4096) || e["duration_ms"] != 12.35 || e["http_path"] != "/api/x" || e["http_origin"] != "https://cmms.example:8443" {
		t.Fatalf("%v", e)
	}
	in := e["input_summary"].(string)
	if !strings.HasSuffix(in, "...[truncated]") || len([]rune(in)) != 2000+len("...[truncated]") {
		t.Fatalf("truncation: %d runes", len([]rune(in)))
	}
	if e["success"] != false || e["metadata"].(map[string]any)["nested"].(map[string]any)["headers"].(map[string]any)["Accept"].([]any)[0] != "json" {
		t.Fatalf("%v", e)
	}
}

func TestSpanAndContext(t *testing.T) {
	dir := t.TempDir()
	tr := newTracer(t, Options{Dir: dir})
	ctx := WithCall(context.Background(), Call{ClientID: "client-a", ConversationID: "conv-1"})
	ctx, tool := tr.Start(ctx, Entry{Action: ActionToolCall, Operation: "machina_list_assets"})
	ctx2, plug := tr.Start(ctx, Entry{Action: ActionPluginCall, Plugin: "cmms-maximo", PluginSHA256: "ab12"})
	u, _ := url.Parse("https://user:pw@m:8443/oslc/os/mxasset?oslc.where=x&_lid=maxadmin&_lpwd=hunter2#frag")
	he := HTTPEntry("GET", u, 200, 10, 1500*time.Microsecond, nil)
	he.Plugin = "cmms-maximo"
	tr.RecordContext(ctx2, he)
	plug.End(errors.New("boom"))
	plug.End(nil) // ignored
	tool.End(nil)
	var nilT *Tracer
	_, sp := nilT.Start(ctx, Entry{Action: "noop"})
	sp.End(nil)
	nilT.Record(Entry{})
	if err := nilT.Close(context.Background()); err != nil || nilT.Dropped() != 0 || nilT.Recent(1) != nil {
		t.Fatal("nil tracer")
	}
	closeTracer(t, tr)
	_, es := readEntries(t, dir)
	if len(es) != 3 {
		t.Fatalf("%d entries", len(es))
	}
	httpE, plugE, toolE := es[0], es[1], es[2]
	if httpE["parent_id"] != plugE["id"] || plugE["parent_id"] != toolE["id"] || toolE["parent_id"] != nil {
		t.Fatalf("parents: %v / %v / %v", httpE, plugE, toolE)
	}
	for _, e := range es {
		if e["client_id"] != "client-a" || e["conversation_id"] != "conv-1" {
			t.Fatalf("call identity: %v", e)
		}
	}
	if httpE["http_origin"] != "https://m:8443" || httpE["http_path"] != "/oslc/os/mxasset" || httpE["http_status"] != float64(200) ||
		httpE["http_bytes"] != float64(10) || httpE["duration_ms"] != 1.5 || httpE["success"] != true || httpE["action"] != ActionPluginHTTP {
		t.Fatalf("http entry: %v", httpE)
	}
	if plugE["success"] != false || plugE["error"] != "boom" || toolE["success"] != true {
		t.Fatalf("span results: %v %v", plugE, toolE)
	}
	// The reference's field names are all present.
	for _, k := range []string{"timestamp", "action", "connector", "asset_id", "operation", "input_summary", "output_summary",
		"duration_ms", "success", "error", "metadata", "conversation_id", "prompt_tokens", "completion_tokens", "total_tokens", "usd_cost", "model"} {
		if _, ok := toolE[k]; !ok {
			t.Fatalf("field %s missing", k)
		}
	}
	if len(NewID()) != 32 || NewID() == NewID() {
		t.Fatal("NewID")
	}
}

func TestSubscriberPanicIsolated(t *testing.T) {
	dir := t.TempDir()
	tr := newTracer(t, Options{Dir: dir})
	got := make(chan string, 4)
	tr.Subscribe(func(e Entry) { panic("bad subscriber") })
	unsub := tr.Subscribe(func(e Entry) { got <- e.Action })
	tr.Record(Entry{Action: "one", Success: true})
	if a := <-got; a != "one" {
		t.Fatal(a)
	}
	unsub()
	tr.Record(Entry{Action: "two", Success: true})
	closeTracer(t, tr)
	if len(got) != 0 {
		t.Fatal("unsubscribed subscriber called")
	}
	if _, es := readEntries(t, dir); len(es) != 2 {
		t.Fatalf("%d entries", len(es))
	}
}

type syncBuf = syncbuf.Buffer

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before deadline")
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline, not synchronisation by sleep
	}
}

func TestTail(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return day }
	tr := newTracer(t, Options{Dir: dir, Clock: clock, MaxFileBytes: 1500})
	for i := 0; i < 12; i++ {
		tr.Record(Entry{Action: "tool_call", Operation: fmt.Sprint("op", i), Success: true, ClientID: "c1"})
	}
	closeTracer(t, tr)
	var out bytes.Buffer
	if err := Tail(context.Background(), dir, &out, TailOptions{Lines: 3}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "op11") || !strings.Contains(lines[0], "op9") || !strings.Contains(lines[0], "client=c1") {
		t.Fatalf("tail:\n%s", out.String())
	}
	out.Reset()
	if err := Tail(context.Background(), dir, &out, TailOptions{Lines: -1, JSON: true}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 12 {
		t.Fatalf("all: %d lines", n)
	}

	// Follow across a rotation and a new day.
	ctx, cancel := context.WithCancel(context.Background())
	var fol syncBuf
	done := make(chan error, 1)
	go func() { done <- Tail(ctx, dir, &fol, TailOptions{Lines: 1, Follow: true, Poll: 10 * time.Millisecond}) }()
	// Once the last existing entry is printed, Tail is following.
	waitFor(t, func() bool { return strings.Contains(fol.String(), "op11") })
	tr = newTracer(t, Options{Dir: dir, Clock: clock, MaxFileBytes: 1500})
	for i := 0; i < 8; i++ {
		tr.Record(Entry{Action: "tool_call", Operation: fmt.Sprint("new", i), Success: true})
	}
	mu.Lock()
	day = day.Add(24 * time.Hour)
	mu.Unlock()
	tr.Record(Entry{Action: "tool_call", Operation: "nextday", Success: true})
	closeTracer(t, tr)
	waitFor(t, func() bool { return strings.Contains(fol.String(), "nextday") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := fol.String()
	if strings.Count(got, "op11") != 1 || strings.Count(got, "\n") != 10 || !strings.Contains(got, "new0") {
		t.Fatalf("follow:\n%s", got)
	}
}

// TestRestartAfterCrashMidLine: a tracer started on a directory whose last
// line a crash cut short ends that line, opens a new segment with a
// trace_resumed entry linked to the last complete line, and Verify reports
// the line as truncated by a crash — not as a break.
func TestRestartAfterCrashMidLine(t *testing.T) {
	dir, path := chainDir(t, 3)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, b[:len(b)-20], 0o600); err != nil { // line 3 cut short
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tr := newTracer(t, Options{Dir: dir, HashChain: true, Clock: func() time.Time { return day }})
	tr.Record(Entry{Action: "after-crash", Success: true})
	closeTracer(t, tr)
	rep, err := Verify(dir)
	want := Truncation{File: "traces-2026-11-23.jsonl", Line: 3, Bytes: len(b) - 20 - bytes.LastIndexByte(b[:len(b)-20], '\n') - 1, Resumed: true}
	if err != nil || !rep.OK || len(rep.Truncated) != 1 || rep.Truncated[0] != want || rep.Segments != 2 ||
		rep.Entries != 4 || rep.FirstSeq != 1 || rep.LastSeq != 4 {
		t.Fatalf("%+v %v; want %+v", rep, err, want)
	}
	if !strings.HasPrefix(rep.Truncated[0].String(), "traces-2026-11-23.jsonl: truncated at line 3 (crash)") {
		t.Fatalf("verdict %q", rep.Truncated[0])
	}
	lines := bytes.Split(bytes.TrimSpace(mustRead(t, path)), []byte("\n"))
	if !bytes.Contains(lines[3], []byte(`"action":"trace_resumed"`)) || !bytes.Contains(lines[3], []byte(`"seq":3,`)) {
		t.Fatalf("line 4 = %s", lines[3])
	}

	// The torn line edited afterwards no longer matches what the new
	// segment recorded: a break.
	editLines(t, path, func(l [][]byte) [][]byte { l[2] = append(l[2][:len(l[2])-1], 'X', 'Y'); return l })
	if rep, err := Verify(dir); err != nil || rep.OK || rep.Line != 3 {
		t.Fatalf("edited torn line: %+v %v", rep, err)
	}
}

// TestTornLookingLineInsideIsABreak: a line cut short in the middle of the
// chain without a trace_resumed entry after it is tampering (or damage),
// never excused as a crash.
func TestTornLookingLineInsideIsABreak(t *testing.T) {
	dir, path := chainDir(t, 4)
	editLines(t, path, func(l [][]byte) [][]byte { l[1] = l[1][:30]; return l })
	rep, err := Verify(dir)
	if err != nil || rep.OK || rep.Line != 2 || len(rep.Truncated) != 0 || !strings.Contains(rep.Reason, "cut short") {
		t.Fatalf("%+v %v", rep, err)
	}
}

// TestCrashBeforeMidnight: the torn line stays at the end of yesterday's
// file when the restarted tracer writes today's; Verify still links the
// segments.
func TestCrashBeforeMidnight(t *testing.T) {
	dir, path := chainDir(t, 2)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"seq":3,"timestamp":"2026-11-23T23:59:59Z","act`)
	f.Close()
	day := time.Date(2026, 11, 24, 0, 0, 1, 0, time.UTC)
	tr := newTracer(t, Options{Dir: dir, HashChain: true, Clock: func() time.Time { return day }})
	tr.Record(Entry{Action: "next-day", Success: true})
	closeTracer(t, tr)
	rep, err := Verify(dir)
	if err != nil || !rep.OK || rep.Files != 2 || len(rep.Truncated) != 1 || !rep.Truncated[0].Resumed ||
		rep.Truncated[0].File != "traces-2026-11-23.jsonl" || rep.Truncated[0].Line != 3 || rep.LastSeq != 4 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
