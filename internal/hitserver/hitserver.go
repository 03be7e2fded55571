// Package hitserver is a loopback HTTP test server that counts the requests
// it receives, for tests that must prove a request did, or did not, reach
// the network. It holds no state beyond each server's counter.
package hitserver

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Server is an httptest.Server that counts the requests it serves.
type Server struct {
	*httptest.Server
	// Hits is the number of requests that reached the handler.
	Hits atomic.Int64
}

// New starts a loopback server running h, counting each request before h
// sees it. The server is closed when the test ends.
func New(tb testing.TB, h http.HandlerFunc) *Server {
	tb.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Hits.Add(1)
		h(w, r)
	}))
	tb.Cleanup(s.Close)
	return s
}
