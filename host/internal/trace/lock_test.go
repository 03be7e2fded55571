package trace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/host/internal/dirlock"
	"github.com/machina-go/machina/internal/helperproc"
)

// TestHelperTraceWriter is not a test: started by
// TestTwoProcessesOneTraceDirectory as a second process, it opens a
// chained tracer on TRACE_HELPER_DIR, prints "ready", and records entries
// at a steady pace until its standard input closes.
func TestHelperTraceWriter(t *testing.T) {
	dir := helperproc.Arg(t, "TRACE_HELPER_DIR")
	tr, err := New(Options{Dir: dir, HashChain: true})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	stop := helperproc.Stopped()
	for i := 0; ; i++ {
		tr.record(Entry{Action: ActionToolCall, Operation: "helper", InputSummary: strings.Repeat("x", i%300)}, true)
		if i == 10 {
			fmt.Println("ready")
		}
		select {
		case <-time.After(100 * time.Microsecond): // pace the writes (a few thousand a second)
		case <-stop:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tr.Close(ctx); err != nil {
				fmt.Println("error:", err)
			}
			return
		}
	}
}

// TestTwoProcessesOneTraceDirectory: while one process writes a trace
// directory, a second process's tracer is refused with an error naming the
// writer, and `trace verify` (run meanwhile, many times) never reports a
// break; once the writer exits the second process takes over and the chain
// continues intact.
func TestTwoProcessesOneTraceDirectory(t *testing.T) {
	dir := t.TempDir()
	helper := helperproc.Start(t, "TestHelperTraceWriter", "TRACE_HELPER_DIR="+dir, "ready")

	_, err := New(Options{Dir: dir, HashChain: true})
	if !errors.Is(err, dirlock.ErrHeld) {
		t.Fatalf("second writer: want ErrHeld, got %v", err)
	}
	for _, want := range []string{dir, fmt.Sprintf("pid %d", helper.PID()), "trace writer", "MACHINA_TRACE_DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	// Verify beside the live writer: never a false break.
	var pending int
	for range 50 {
		rep, err := Verify(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK {
			t.Fatalf("verify during writes reported a break: %+v", rep)
		}
		if rep.Writer == nil || rep.Writer.PID != helper.PID() {
			t.Fatalf("verify did not see the writer: %+v", rep.Writer)
		}
		if rep.Pending {
			pending++
		}
	}
	t.Logf("%d of 50 verifications saw a line being written", pending)

	if err := helper.Stop(); err != nil {
		t.Fatal(err)
	}
	first, err := Verify(dir)
	if err != nil || !first.OK || first.Writer != nil || first.Pending {
		t.Fatalf("after the writer exited: %+v %v", first, err)
	}
	tr, err := New(Options{Dir: dir, HashChain: true})
	if err != nil {
		t.Fatalf("taking over after the writer exited: %v", err)
	}
	for range 5 {
		tr.Record(Entry{Action: ActionToolCall, Operation: "second"})
	}
	closeTracer(t, tr)
	rep, err := Verify(dir)
	if err != nil || !rep.OK {
		t.Fatalf("after the second writer: %+v %v", rep, err)
	}
	if rep.LastSeq != first.LastSeq+5 || rep.Entries != first.Entries+5 {
		t.Errorf("chain did not continue: first %+v, then %+v", first, rep)
	}
}

// TestVerifySkipsTheLineBeingWritten: a newest file ending without a
// newline is a line in progress while a writer holds the directory (not
// counted, no break), and a truncated line once no one does.
func TestVerifySkipsTheLineBeingWritten(t *testing.T) {
	dir := t.TempDir()
	tr, err := New(Options{Dir: dir, HashChain: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		tr.Record(Entry{Action: ActionToolCall, Operation: "op"})
	}
	closeTracer(t, tr)
	files, _ := listFiles(dir)
	f, err := os.OpenFile(join(dir, files[len(files)-1].name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"id":"half-writ`)
	f.Close()

	lock, err := dirlock.Acquire(dir, LockPurpose) // a writer in the middle of a write
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(dir)
	if err != nil || !rep.OK || !rep.Pending || rep.Entries != 3 || rep.Writer == nil {
		t.Fatalf("with a live writer: %+v %v", rep, err)
	}
	lock.Release()
	rep, err = Verify(dir)
	// Without a writer the line is a crash's torn last line: reported, and
	// no break of the chain.
	if err != nil || !rep.OK || len(rep.Truncated) != 1 || rep.Truncated[0].Line != 4 || rep.Truncated[0].Resumed ||
		rep.Truncated[0].String() != files[len(files)-1].name+": truncated at line 4 (crash)" {
		t.Fatalf("without a writer: %+v %v", rep, err)
	}
}
