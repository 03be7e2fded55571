package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/docstore"
)

// TestOperatorsDocCoversDocstoreAndAgentKeys keeps the [docstore] and
// [agent] sections of docs/operators.md in step with the code (issue #20:
// the guide promised them and had none).
func TestOperatorsDocCoversDocstoreAndAgentKeys(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "operators.md"))
	if err != nil {
		t.Fatal(err)
	}
	keys := append(config.KeysOf("docstore", docstore.Config{}), config.KeysOf("agent", app.AgentConfig{})...)
	if len(keys) < 15 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("docs/operators.md does not document `%s`", k)
		}
	}
}
