package mcp_test

import (
	"context"
	"io"
	"testing"
)

// serveStdio serves e over the stdio transport on in-memory pipes, as the
// serve command does on its standard streams, and returns the client's
// ends: what it writes to the server and what it reads back. Closing
// toServer is the end of input; the server then returns by itself.
func (e *env) serveStdio(t *testing.T) (toServer io.WriteCloser, fromServer io.Reader, done <-chan error) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		err := e.srv.ServeStdio(ctx, inR, outW)
		outW.Close()
		errc <- err
	}()
	t.Cleanup(func() {
		inW.Close()
		cancel()
	})
	return inW, outR, errc
}

func TestStdioEndToEnd(t *testing.T) {
	e := newEnv(t, envOpts{chat: true, natives: true})
	exerciseEverything(t, serveStdioPipes(t, e), e, true)
}

// That stdout carries nothing but JSON-RPC frames, and that the server
// exits at the end of its input, is checked on the real process by
// cmd/machina's binary test.
