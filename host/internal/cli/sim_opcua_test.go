package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
	"github.com/machina-go/machina/internal/syncbuf"
)

// lockedBuf collects a command's output while it runs.
type lockedBuf = syncbuf.Buffer

func TestRunSimCommand(t *testing.T) {
	if code, _, _ := runCLI(t, nil, "sim", "opcua", "--security", "Rot13"); code != 2 {
		t.Fatalf("bad --security exit = %d", code)
	}
	if code, _, errb := runCLI(t, nil, "sim", "opcua", "-h"); code != 0 || !strings.Contains(errb, "-listen host:port") {
		t.Fatalf("-h exit = %d, usage %q", code, errb)
	}
	var errb lockedBuf
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var served lockedBuf
	go func() {
		done <- run(ctx, &cli{stdout: &served, stderr: &errb}, []string{"sim", "opcua", "--listen", "127.0.0.1:0", "--json", "--print-config", "--tick", "10ms"})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(served.String(), `"points"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no JSON output; stderr:\n%s", errb.String())
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit = %d", code)
	}
	tomlPart, jsonPart, _ := strings.Cut(served.String(), "{\"points\"")
	var doc struct {
		OPCUA hostopcua.Config `toml:"opcua"`
	}
	if _, err := toml.Decode(tomlPart, &doc); err != nil {
		t.Fatalf("printed config does not parse: %v\n%s", err, tomlPart)
	}
	if err := doc.OPCUA.Validate(); err != nil || len(doc.OPCUA.Endpoints[0].Aliases) != 6 {
		t.Fatalf("printed config: %v %+v", err, doc.OPCUA)
	}
	var info struct {
		URL    string           `json:"url"`
		Points []simopcua.Point `json:"points"`
	}
	if err := json.Unmarshal([]byte("{\"points\""+jsonPart), &info); err != nil || len(info.Points) != 6 {
		t.Fatalf("json: %v %+v", err, info)
	}
}
