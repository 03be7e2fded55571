package sensor

import (
	"context"
	"errors"
	"sync"
)

// Connection states a connector reports per connection (OPC-UA endpoint,
// MQTT broker).
const (
	StateConnecting   = "connecting"
	StateConnected    = "connected"
	StateReconnecting = "reconnecting"
	StateClosed       = "closed"
)

// Health statuses a connector reports per connection.
const (
	HealthOK       = "ok"
	HealthDegraded = "degraded"
)

// Session is one supervised connection of a connector.
type Session interface {
	// Run keeps the connection up (reconnecting as needed) until ctx ends.
	Run(ctx context.Context)
	// WaitConnected blocks until the connection is up or ctx ends.
	WaitConnected(ctx context.Context) error
}

// Supervisor runs one goroutine per session of a connector and stops them
// together. The zero value is ready to use.
type Supervisor struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start launches Run of every session; it returns at once. Calling Start
// twice is an error.
func (s *Supervisor) Start(ctx context.Context, sessions ...Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return errors.New("already started")
	}
	ctx, s.cancel = context.WithCancel(ctx)
	for _, x := range sessions {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			x.Run(ctx)
		}()
	}
	return nil
}

// Close ends every session and waits for the goroutines to stop.
func (s *Supervisor) Close() {
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
}

// WaitConnected blocks until every session is up or ctx ends.
func WaitConnected[S Session](ctx context.Context, sessions []S) error {
	for _, x := range sessions {
		if err := x.WaitConnected(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Sessions converts a slice of a concrete session type for Start.
func Sessions[S Session](xs []S) []Session {
	out := make([]Session, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
