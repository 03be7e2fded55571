package mcp

import (
	"fmt"
	"testing"
)

// TestMatchCap: at most 100 values per response, with the total and
// hasMore (MCP specification, completion/complete result).
func TestMatchCap(t *testing.T) {
	var vals []string
	for i := range 150 {
		vals = append(vals, fmt.Sprintf("A-%03d", i))
	}
	got := match(vals, "a-")
	if len(got.Values) != 100 || got.Total != 150 || !got.HasMore || got.Values[0] != "A-000" {
		t.Fatalf("%d values, total %d, hasMore %v", len(got.Values), got.Total, got.HasMore)
	}
	if got := match(vals, "A-14"); len(got.Values) != 10 || got.HasMore {
		t.Fatalf("%+v", got)
	}
}
