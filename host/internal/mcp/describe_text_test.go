package mcp_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/machina-go/machina/host/internal/mcp"
)

// TestDescribeTextColumns: `machina describe` prints a tool's hints and its
// parameters in columns of their own (issue #20: "idempotent(asset_id)").
func TestDescribeTextColumns(t *testing.T) {
	var b strings.Builder
	if err := mcp.WriteDescribeText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "idempotent(") || strings.Contains(out, "WRITE(") {
		t.Errorf("hints glued to parameters:\n%s", out)
	}
	for _, re := range []string{`(?m)^  machina_get_asset +read_assets +read-only, idempotent +asset_id$`,
		`(?m)^  machina_list_assets +read_assets +read-only, idempotent +-$`,
		`(?m)^  machina_get_maintenance_plan +read_maintenance_plans +read-only, idempotent +asset_id\?$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no line matching %s in:\n%s", re, out)
		}
	}
}
