package sensor

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/abi"
)

// AlarmEventKind says whether an alarm was raised or cleared.
type AlarmEventKind string

// Alarm event kinds.
const (
	AlarmRaised  AlarmEventKind = "raised"
	AlarmCleared AlarmEventKind = "cleared"
)

// AlarmEvent is what subscribers receive: the alarm as raised, or as
// cleared (Cleared=true, Value is the value that cleared it).
type AlarmEvent struct {
	Kind  AlarmEventKind `json:"kind"`
	Alarm abi.Alarm      `json:"alarm"`
	// Direction is "high" or "low".
	Direction string `json:"direction"`
	// Alias names the configured point; Endpoint the connection it came
	// from (an OPC-UA endpoint or an MQTT broker, by configured name).
	Alias    string `json:"alias,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
}

// NewAlarmID returns ALM-<8 hex>.
func NewAlarmID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; keep ids unique anyway.
		return fmt.Sprintf("ALM-%08x", uint32(time.Now().UnixNano()))
	}
	return "ALM-" + hex.EncodeToString(b[:])
}

// AlarmStore keeps active alarms and a bounded history of alarm events and
// fans events out to subscribers. It is safe for concurrent use.
type AlarmStore struct {
	mu      sync.Mutex
	active  map[string]*activeAlarm // key: source + "#" + direction
	history []abi.Alarm             // ring of raised and cleared alarms, oldest first
	max     int
	subs    map[int]chan AlarmEvent
	nextSub int
	onEvent func(AlarmEvent)
	dropped int
	// path is the file the store is saved to after every change (see
	// Persist); empty keeps it in memory.
	path       string
	saveErrors int
}

type activeAlarm struct {
	alarm abi.Alarm
	ev    AlarmEvent
}

// NewAlarmStore returns a store keeping up to historySize past events
// (default 1000). onEvent, when not nil, is called synchronously for every
// event after the store is updated; it must not block, and a panic in it is
// recovered.
func NewAlarmStore(historySize int, onEvent func(AlarmEvent)) *AlarmStore {
	if historySize <= 0 {
		historySize = 1000
	}
	return &AlarmStore{active: map[string]*activeAlarm{}, max: historySize, subs: map[int]chan AlarmEvent{}, onEvent: onEvent}
}

// Raise records a new active alarm unless one is already active for key and
// returns the event; ok is false when nothing changed.
func (s *AlarmStore) Raise(key string, ev AlarmEvent) (AlarmEvent, bool) {
	s.mu.Lock()
	if _, dup := s.active[key]; dup {
		s.mu.Unlock()
		return AlarmEvent{}, false
	}
	ev.Kind = AlarmRaised
	s.active[key] = &activeAlarm{alarm: ev.Alarm, ev: ev}
	s.appendHistory(ev.Alarm)
	s.saveOrCount()
	s.mu.Unlock()
	s.publish(ev)
	return ev, true
}

// saveOrCount saves the store after a change; a failure is counted (see
// SaveErrors) and the change stands in memory. s.mu is held.
func (s *AlarmStore) saveOrCount() { _ = s.saveLocked() }

// Clear marks the active alarm under key cleared.
func (s *AlarmStore) Clear(key string, value float64, at time.Time) (AlarmEvent, bool) {
	s.mu.Lock()
	a, ok := s.active[key]
	if !ok {
		s.mu.Unlock()
		return AlarmEvent{}, false
	}
	delete(s.active, key)
	ev := a.ev
	ev.Kind = AlarmCleared
	ev.Alarm.Cleared = true
	ev.Alarm.Acknowledged = a.alarm.Acknowledged
	ev.Alarm.Value = value
	ev.Alarm.Timestamp = at
	s.appendHistory(ev.Alarm)
	s.saveOrCount()
	s.mu.Unlock()
	s.publish(ev)
	return ev, true
}

func (s *AlarmStore) appendHistory(a abi.Alarm) {
	s.history = append(s.history, a)
	if len(s.history) > s.max {
		s.history = append(s.history[:0:0], s.history[len(s.history)-s.max:]...)
	}
}

func (s *AlarmStore) publish(ev AlarmEvent) {
	s.mu.Lock()
	for _, ch := range s.subs {
		select {
		case ch <- ev:
		default:
			s.dropped++
		}
	}
	cb := s.onEvent
	s.mu.Unlock()
	if cb != nil {
		func() {
			defer func() { _ = recover() }()
			cb(ev)
		}()
	}
}

// Active returns the active (not cleared) alarms, oldest first; an empty
// assetID means all assets. The asset id match is case-insensitive.
func (s *AlarmStore) Active(assetID string) []abi.Alarm {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []abi.Alarm{}
	for _, a := range s.active {
		if assetID == "" || strings.EqualFold(a.alarm.AssetID, assetID) {
			out = append(out, a.alarm)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Timestamp.Equal(out[j].Timestamp) {
			return out[i].Timestamp.Before(out[j].Timestamp)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// History returns up to limit recent alarm events (raised and cleared),
// newest first; limit ≤ 0 means all that are kept.
func (s *AlarmStore) History(assetID string, limit int) []abi.Alarm {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []abi.Alarm{}
	for i := len(s.history) - 1; i >= 0; i-- {
		a := s.history[i]
		if assetID != "" && !strings.EqualFold(a.AssetID, assetID) {
			continue
		}
		out = append(out, a)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

// Acknowledge marks an active alarm acknowledged; it reports whether the id
// was found.
func (s *AlarmStore) Acknowledge(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.active {
		if a.alarm.ID == id {
			a.alarm.Acknowledged = true
			a.ev.Alarm.Acknowledged = true
			s.saveOrCount()
			return true
		}
	}
	return false
}

// Subscribe returns a channel receiving every alarm event from now on and a
// cancel function that unsubscribes and closes the channel. Delivery never
// blocks the session that raised it: when the buffer is full the event is dropped
// for that subscriber (see Dropped); the store keeps it regardless.
func (s *AlarmStore) Subscribe(buffer int) (<-chan AlarmEvent, func()) {
	if buffer <= 0 {
		buffer = 64
	}
	ch := make(chan AlarmEvent, buffer)
	s.mu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = ch
	s.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, id)
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Dropped counts events not delivered to a subscriber with a full buffer.
func (s *AlarmStore) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Watch returns a channel of every alarm raised or cleared from now on (a
// cleared alarm has Cleared set) and a cancel function. A slow watcher
// loses events, never blocks a session; the store keeps them.
func (s *AlarmStore) Watch(buffer int) (<-chan abi.Alarm, func()) {
	if buffer <= 0 {
		buffer = 64
	}
	events, cancel := s.Subscribe(buffer)
	out := make(chan abi.Alarm, buffer)
	go func() {
		defer close(out)
		for ev := range events {
			select {
			case out <- ev.Alarm:
			default:
			}
		}
	}()
	return out, cancel
}
