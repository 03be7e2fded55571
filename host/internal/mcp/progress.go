package mcp

import (
	"context"
	"sync"

	"github.com/machina-go/machina/host/internal/progress"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// withProgress installs a progress reporter when the request carries a
// progress token (MCP "Progress" utility): each step the work below
// reports — an upstream page a plugin fetched, a stage of the manual
// search — becomes a notifications/progress with an increasing count.
// The total is unknown in advance, so none is sent.
func (s *Server) withProgress(ctx context.Context, req mcp.CallToolRequest) context.Context {
	if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
		return ctx
	}
	token := req.Params.Meta.ProgressToken
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return ctx
	}
	var mu sync.Mutex
	n := 0
	return progress.With(ctx, func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		n++
		// Best effort: a client that does not read notifications loses
		// them, the call goes on.
		_ = srv.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), map[string]any{
			"progressToken": token, "progress": n, "message": msg,
		})
	})
}
