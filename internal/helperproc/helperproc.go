// Package helperproc runs, for tests that need a second process, one test
// function of the running test binary as a helper process: it starts it
// with an environment variable set, waits for the line it prints once
// ready, and stops it when the test closes its standard input. StartPiped
// starts any command that way, with pipes to its standard streams.
//
// It owns no production behaviour and must not be imported outside tests.
package helperproc

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Proc is a running helper process.
type Proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// Start runs the test function named test of this binary with env
// (KEY=value) added, and waits until it prints ready on a line of its
// own. The process is killed when the test ends if it is still running.
func Start(t *testing.T, test, env, ready string) *Proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env)
	stdin, out := StartPiped(t, cmd)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != ready {
		t.Fatalf("helper %s: %q %v", test, line, err)
	}
	return &Proc{cmd: cmd, stdin: stdin}
}

// StartPiped starts cmd with pipes to its standard input and from its
// standard output (cmd.Stdin and cmd.Stdout must be unset). The process is
// killed when the test ends if it has not been waited for.
func StartPiped(t *testing.T, cmd *exec.Cmd) (stdin io.WriteCloser, stdout io.Reader) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err = cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return stdin, stdout
}

// PID is the helper's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Stop closes the helper's standard input, its signal to finish, and
// waits for it to exit.
func (p *Proc) Stop() error {
	p.stdin.Close()
	return p.cmd.Wait()
}

// Arg returns the value of the environment variable key, which Start sets
// for a helper, and skips the test when it is unset: the helper's test
// function then runs as an ordinary test and has nothing to do.
func Arg(t *testing.T, key string) string {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		t.Skip("helper process only")
	}
	return v
}

// Stopped, called in a helper, returns a channel closed once the test that
// started it calls Stop (standard input reaches its end).
func Stopped() <-chan struct{} {
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	return stop
}
