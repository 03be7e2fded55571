package mcp

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/router"
	"github.com/mark3labs/mcp-go/mcp"
)

// Completions (completion/complete) for prompt arguments and resource
// template variables: asset ids and work-order ids come from the primary
// CMMS through its plugin, are cached briefly (so typing does not call the
// CMMS per keystroke), matched by prefix (case-insensitive) and capped at
// the protocol's 100 values.

const (
	// completionTTL is how long a fetched id list serves completions.
	completionTTL = 30 * time.Second
	// maxCompletions is the MCP limit on values per response.
	maxCompletions = 100
)

// completer implements mcp-go's prompt and resource completion providers.
type completer struct {
	router *router.Router
	mu     sync.Mutex
	cache  map[string]idList // "assets", "work_orders"
}

type idList struct {
	ids     []string
	fetched time.Time
}

// horizons are suggested planning horizons (draft_preventive_plan).
var horizons = []string{"3 months", "6 months", "12 months", "24 months", "5 years"}

// CompletePromptArgument completes asset_id (every prompt) and
// planning_horizon.
func (c *completer) CompletePromptArgument(ctx context.Context, _ string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	switch arg.Name {
	case "asset_id":
		return c.ids(ctx, "assets", arg.Value), nil
	case "planning_horizon":
		return match(horizons, arg.Value), nil
	}
	return &mcp.Completion{Values: []string{}}, nil
}

// CompleteResourceArgument completes the asset and work-order templates'
// variables.
func (c *completer) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	switch {
	case arg.Name == "asset_id" && (strings.HasPrefix(uri, AssetURIPrefix) || strings.HasPrefix(uri, AlarmURIPrefix)):
		return c.ids(ctx, "assets", arg.Value), nil
	case arg.Name == "wo_id" && strings.HasPrefix(uri, WorkOrderURIPrefix):
		return c.ids(ctx, "work_orders", arg.Value), nil
	}
	return &mcp.Completion{Values: []string{}}, nil
}

// ids completes prefix from the cached (or freshly fetched) id list. A
// CMMS that cannot be reached completes nothing rather than failing the
// client's request.
func (c *completer) ids(ctx context.Context, kind, prefix string) *mcp.Completion {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.cache[kind]
	if !ok || time.Since(l.fetched) > completionTTL {
		ids, err := c.fetch(ctx, kind)
		if err != nil {
			return &mcp.Completion{Values: []string{}}
		}
		if c.cache == nil {
			c.cache = map[string]idList{}
		}
		l = idList{ids: ids, fetched: time.Now()}
		c.cache[kind] = l
	}
	return match(l.ids, prefix)
}

func (c *completer) fetch(ctx context.Context, kind string) ([]string, error) {
	var ids []string
	if kind == "assets" {
		as, err := c.router.ListAssets(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			ids = append(ids, a.ID)
		}
	} else {
		wos, err := c.router.ListWorkOrders(ctx, "", abi.Status(""))
		if err != nil {
			return nil, err
		}
		for _, w := range wos {
			ids = append(ids, w.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// match returns the values starting with prefix (case-insensitive), at
// most maxCompletions of them, with the total.
func match(vals []string, prefix string) *mcp.Completion {
	p := strings.ToLower(prefix)
	out := []string{}
	total := 0
	for _, v := range vals {
		if strings.HasPrefix(strings.ToLower(v), p) {
			total++
			if len(out) < maxCompletions {
				out = append(out, v)
			}
		}
	}
	return &mcp.Completion{Values: out, Total: total, HasMore: total > len(out)}
}
