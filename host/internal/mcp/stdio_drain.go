package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// End of input on stdio means the client has finished sending, not that
// the calls it sent are void. mcp-go's stdio server (v1.2.1) cancels every
// request in flight when its input ends, and its tool-call workers stop
// without answering the calls still queued — so a client that writes its
// requests and closes the pipe (`machina serve < calls.jsonl`, or a client
// that half-closes) lost concurrent calls right after start. The stdio
// transport therefore holds back the end of input until every request read
// so far has been answered (or drainLimit passes, or the server stops).

// drainLimit bounds how long the end of input waits for answers.
const drainLimit = 5 * time.Minute

// pending counts the requests read from the client and not yet answered,
// by JSON-RPC id.
type pending struct {
	mu   sync.Mutex
	ids  map[string]int
	idle chan struct{} // closed and replaced whenever ids becomes empty
}

func newPending() *pending { return &pending{ids: map[string]int{}, idle: make(chan struct{})} }

// rpcLine is what identifies a JSON-RPC message: requests have a method
// and an id, responses an id and no method.
type rpcLine struct {
	Method string          `json:"method"`
	ID     json.RawMessage `json:"id"`
}

func lineID(raw json.RawMessage) (string, bool) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return "", false
	}
	return fmt.Sprint(v), true
}

// saw records one line; request lines (from the client) add, response lines
// (to the client) remove.
func (p *pending) saw(line []byte, request bool) {
	var m rpcLine
	if json.Unmarshal(line, &m) != nil {
		return
	}
	id, ok := lineID(m.ID)
	if !ok || (m.Method != "") != request {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if request {
		p.ids[id]++
		return
	}
	if p.ids[id]--; p.ids[id] <= 0 {
		delete(p.ids, id)
	}
	if len(p.ids) == 0 {
		close(p.idle)
		p.idle = make(chan struct{})
	}
}

// wait blocks until nothing is pending, ctx is done or drainLimit passes.
func (p *pending) wait(ctx context.Context) {
	timeout := time.After(drainLimit)
	for {
		p.mu.Lock()
		n, idle := len(p.ids), p.idle
		p.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return
		case <-timeout:
			return
		}
	}
}

// lines splits a byte stream into lines for fn, keeping a partial last line.
type lines struct {
	mu   sync.Mutex
	part []byte
	fn   func([]byte)
}

func (l *lines) feed(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, b...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			return
		}
		l.fn(l.part[:i])
		l.part = l.part[i+1:]
	}
}

// drainingReader passes the client's input through, counting requests, and
// holds back its end until they are answered.
type drainingReader struct {
	ctx context.Context
	r   io.Reader
	p   *pending
	l   lines
}

func (d *drainingReader) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	d.l.feed(b[:n])
	if err == io.EOF {
		d.l.feed([]byte{'\n'}) // a last request without a newline
		d.p.wait(d.ctx)
	}
	return n, err
}

// answerWriter passes the server's output through, counting answers.
type answerWriter struct {
	w io.Writer
	l lines
}

func (a *answerWriter) Write(b []byte) (int, error) {
	n, err := a.w.Write(b)
	a.l.feed(b[:n])
	return n, err
}

// draining wraps the stdio transport's input and output.
func draining(ctx context.Context, in io.Reader, out io.Writer) (io.Reader, io.Writer) {
	p := newPending()
	r := &drainingReader{ctx: ctx, r: in, p: p}
	r.l.fn = func(line []byte) { p.saw(line, true) }
	w := &answerWriter{w: out}
	w.l.fn = func(line []byte) { p.saw(line, false) }
	return r, w
}
