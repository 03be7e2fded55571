package sensor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/abi"
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

// Fleet is what every connector's manager shares: its sessions (one per
// configured endpoint or broker) under one Supervisor, and the alarm store
// shared by the connectors of the process. A manager embeds it.
type Fleet[S Session] struct {
	name     string
	store    *AlarmStore
	sessions []S
	sup      Supervisor
}

// Deps fills in a connector's optional dependencies: its logger, named
// after the connector (a null logger when nil), and the alarm store (a new
// one with 1000 events of history calling onEvent when nil).
func Deps(name string, log hclog.Logger, store *AlarmStore, onEvent func(AlarmEvent)) (hclog.Logger, *AlarmStore) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if store == nil {
		store = NewAlarmStore(1000, onEvent)
	}
	return log.Named(name), store
}

// NewFleet names the connector (for errors) and holds its sessions and
// alarm store.
func NewFleet[S Session](name string, store *AlarmStore, sessions []S) Fleet[S] {
	return Fleet[S]{name: name, store: store, sessions: sessions}
}

// Start launches one supervisor per session; it returns at once and the
// sessions come up in the background (see WaitConnected). Calling Start
// twice is an error.
func (f *Fleet[S]) Start(ctx context.Context) error {
	if err := f.sup.Start(ctx, Sessions(f.sessions)...); err != nil {
		return fmt.Errorf("%s manager: %w", f.name, err)
	}
	return nil
}

// Close ends every session and waits for the supervisors to stop.
func (f *Fleet[S]) Close() error {
	f.sup.Close()
	return nil
}

// WaitConnected blocks until every session is up or ctx ends.
func (f *Fleet[S]) WaitConnected(ctx context.Context) error {
	return WaitConnected(ctx, f.sessions)
}

// Any reports whether pred holds for one of the sessions.
func (f *Fleet[S]) Any(pred func(S) bool) bool {
	return slices.ContainsFunc(f.sessions, pred)
}

// Store is the alarm store.
func (f *Fleet[S]) Store() *AlarmStore { return f.store }

// Alarms returns the active alarms of assetID (all assets when empty):
// the data behind machina_get_alarms(asset_id).
func (f *Fleet[S]) Alarms(assetID string) []abi.Alarm {
	return f.store.Active(strings.TrimSpace(assetID))
}

// WatchAlarms delivers every alarm raised or cleared from now on, as
// registry.AlarmWatcher has it; cancel closes the channel.
func (f *Fleet[S]) WatchAlarms(buffer int) (<-chan abi.Alarm, func()) {
	return f.store.Watch(buffer)
}
