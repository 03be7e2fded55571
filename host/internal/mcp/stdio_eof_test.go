package mcp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestStdioEndOfInputFinishesCalls: a client that writes its requests and
// closes stdin (a pipe: `machina serve < requests.jsonl`) still gets every
// answer. End of input means the client is done sending, not that the
// calls it sent are cancelled.
func TestStdioEndOfInputFinishesCalls(t *testing.T) {
	e := newEnv(t, envOpts{quiet: true})
	lines := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	}
	const calls = 12
	for i := range calls {
		lines = append(lines, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"machina_list_work_orders","arguments":{}}}`, 100+i))
	}
	var out bytes.Buffer
	if err := e.srv.ServeStdio(context.Background(), strings.NewReader(strings.Join(lines, "\n")+"\n"), &out); err != nil {
		t.Fatal(err)
	}
	answered := 0
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m struct {
			ID     any `json:"id"`
			Result *struct {
				IsError bool `json:"isError"`
			} `json:"result"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if id, ok := m.ID.(float64); ok && id >= 100 {
			if m.Result == nil || m.Result.IsError {
				t.Errorf("call %v: %s", id, sc.Text())
				continue
			}
			answered++
		}
	}
	if answered != calls {
		t.Fatalf("%d of %d calls answered after end of input:\n%s", answered, calls, out.String())
	}
}
