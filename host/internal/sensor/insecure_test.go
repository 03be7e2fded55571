package sensor

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestLogInsecureLevels(t *testing.T) {
	for _, c := range []struct {
		url, level string
	}{
		{"opc.tcp://127.0.0.1:4840", "[INFO]"},
		{"mqtt://localhost:1883", "[INFO]"},
		{"opc.tcp://[::1]:4840", "[INFO]"},
		{"opc.tcp://plc-line1.plant7.example:4840", "[WARN]"},
		{"mqtt://10.0.0.5:1883", "[WARN]"},
	} {
		var b bytes.Buffer
		LogInsecure(hclog.New(&hclog.LoggerOptions{Output: &b, Level: hclog.Info}), "plain", c.url)
		if !strings.Contains(b.String(), c.level) || !strings.Contains(b.String(), "insecure_connection: plain") {
			t.Errorf("%s: %s", c.url, b.String())
		}
		if c.level == "[INFO]" && !strings.Contains(b.String(), "expected") {
			t.Errorf("%s: no reason given: %s", c.url, b.String())
		}
	}
}
