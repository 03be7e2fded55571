package mcp

import (
	"context"
	"errors"
	"io"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/mark3labs/mcp-go/server"
)

// StdioClientID is the client id of the stdio transport (a single local
// user; stdio has no authentication).
const StdioClientID = "stdio"

// ServeStdio serves MCP on in/out until in ends or ctx is done. Nothing but
// protocol frames is written to out; the transport's own errors go to the
// logger (stderr).
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	ss := server.NewStdioServer(s.mcp)
	ss.SetErrorLogger(s.logger.Named("stdio").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}))
	ss.SetContextFunc(func(ctx context.Context) context.Context {
		return trace.WithCall(ctx, trace.Call{ClientID: StdioClientID})
	})
	s.logger.Info("mcp_server_ready", "transport", "stdio", "tools", len(s.names), "sandbox", s.router.Sandbox())
	in, out = draining(ctx, in, out)
	err := ss.Listen(ctx, in, out)
	if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
