// Package stdiotest drives an MCP server process over the stdio transport
// for tests: it writes requests to the process's standard input, checks
// that every line the process writes to standard output is a JSON-RPC 2.0
// message (stdout belongs to the protocol alone), closes the input once
// every request is answered and requires the process to exit by itself
// with status 0.
//
// Test support only; it owns no production behaviour. It lives outside
// host/ so that the binary test in cmd/machina can use it too.
package stdiotest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/internal/helperproc"
	"github.com/machina-go/machina/internal/syncbuf"
)

// Session is the outcome of Run.
type Session struct {
	Frames []string           // stdout lines, each a JSON-RPC 2.0 message
	ByID   map[float64]string // the responses by request id
	Stderr string             // everything the process wrote to stderr
}

// Run starts cmd (its stdin, stdout and stderr must be unset), writes each
// of msgs as one line, and reads stdout until answers distinct request ids
// have been answered; then it closes stdin and waits for the process to
// exit. It fails the test when a stdout line is not a JSON-RPC 2.0 message,
// when the answers do not come within timeout, or when the process does not
// exit with status 0 at the end of its input. check, when not nil, judges
// each frame as it arrives.
func Run(t *testing.T, cmd *exec.Cmd, msgs []string, answers int, timeout time.Duration, check func(msg map[string]any, line string) error) *Session {
	t.Helper()
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	stdin, stdout := helperproc.StartPiped(t, cmd)
	go func() { _, _ = io.WriteString(stdin, strings.Join(msgs, "\n")+"\n") }()
	s := &Session{ByID: map[float64]string{}}
	answered := make(chan error, 1)
	go func() { answered <- s.read(stdout, stdin, answers, check) }()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-answered // the reader ends with the process's stdout
		t.Fatalf("no complete answer within %v\nstdout:\n%s\nstderr:\n%s", timeout, strings.Join(s.Frames, "\n"), stderr.String())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v at the end of its input\nstderr:\n%s", err, stderr.String())
	}
	s.Stderr = stderr.String()
	return s
}

// read collects the frames of stdout and closes stdin once answers
// distinct ids have been answered.
func (s *Session) read(stdout io.Reader, stdin io.Closer, answers int, check func(map[string]any, string) error) error {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
			return fmt.Errorf("stdout line is not a JSON-RPC 2.0 message: %q", sc.Text())
		}
		s.Frames = append(s.Frames, sc.Text())
		if check != nil {
			if err := check(m, sc.Text()); err != nil {
				return err
			}
		}
		if id, ok := m["id"].(float64); ok {
			s.ByID[id] = sc.Text()
			if len(s.ByID) == answers {
				stdin.Close() // end of input: the server must exit
			}
		}
	}
	return sc.Err()
}
