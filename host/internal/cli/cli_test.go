package cli

import (
	"context"
	"testing"

	"github.com/machina-go/machina/internal/syncbuf"
)

// testCLI is a cli whose streams are buffers (safe to read while the
// command runs) and whose whole environment is env.
func testCLI(env map[string]string) (c *cli, stdout, stderr *syncbuf.Buffer) {
	stdout, stderr = &syncbuf.Buffer{}, &syncbuf.Buffer{}
	return &cli{stdout: stdout, stderr: stderr, getenv: func(k string) string { return env[k] }}, stdout, stderr
}

// runCLI runs `machina ARGS…` to its end with env as the whole environment
// and returns the exit code and both streams.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	c, out, errb := testCLI(env)
	code = run(context.Background(), c, args)
	return code, out.String(), errb.String()
}
