package conformance

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// listener is a kit simulator's HTTP server on a free loopback port; the
// simulator adapters embed it for their base URL and Close.
type listener struct {
	hs   *http.Server
	base string
}

// serve serves h on a free loopback port until Close.
func serve(name string, h http.Handler) (listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return listener{}, fmt.Errorf("%s simulator: %w", name, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return listener{hs: hs, base: "http://" + ln.Addr().String()}, nil
}

// Close stops the server, waiting at most 5 s for requests in flight.
func (l listener) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.hs.Shutdown(ctx)
}

// faultFor is a simulator's fault setting F for the kit's fault f: the
// given unavailable or rate-limit-once setting, none otherwise.
func faultFor[F any](f Fault, unavailable, rateLimitOnce F) F {
	switch f {
	case FaultUnavailable:
		return unavailable
	case FaultRateLimitOnce:
		return rateLimitOnce
	}
	var none F
	return none
}
