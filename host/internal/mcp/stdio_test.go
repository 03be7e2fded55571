package mcp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
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

// TestStdioOnlyProtocolOnStdout drives the transport with raw JSON-RPC
// lines (plugin logs at info level, tool errors, an unknown tool and a
// line that is not JSON): every line written back is a JSON-RPC 2.0
// frame, the logs went to the logger, and the end of input ends the
// server. (cmd/machina's test checks the same on the binary's stdout.)
func TestStdioOnlyProtocolOnStdout(t *testing.T) {
	e := newEnv(t, envOpts{chat: true})
	in, out, done := e.serveStdio(t)
	msgs := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"machina_get_asset","arguments":{"asset_id":"P-101"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"machina_get_asset","arguments":{"asset_id":"boom"}}}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"machina_nope","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":6,"method":"resources/read","params":{"uri":"machina://v1/capabilities"}}`,
		`not json at all`,
	}
	go func() { _, _ = io.WriteString(in, strings.Join(msgs, "\n")+"\n") }()
	ids := map[float64]bool{}
	lines := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
				lines <- fmt.Errorf("output line is not a JSON-RPC frame: %q", sc.Text())
				return
			}
			if id, ok := m["id"].(float64); ok {
				ids[id] = true
				if len(ids) == 6 {
					in.Close()
				}
			}
		}
		lines <- sc.Err()
	}()
	select {
	case err := <-lines:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no complete answer; logs:\n%s", e.logs.String())
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeStdio at end of input: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ServeStdio did not return at the end of its input")
	}
	for _, id := range []float64{1, 2, 3, 4, 5, 6} {
		if !ids[id] {
			t.Errorf("no response for id %v", id)
		}
	}
	for _, want := range []string{"get_asset P-101", "mcp_server_ready"} {
		if !strings.Contains(e.logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, e.logs.String())
		}
	}
}
