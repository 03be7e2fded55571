package sensor

import (
	"errors"
	"fmt"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/durable"
)

// savedAlarms is the alarm store on disk.
type savedAlarms struct {
	Version int          `json:"version"`
	Active  []savedAlarm `json:"active"`
	History []abi.Alarm  `json:"history"`
}

type savedAlarm struct {
	Key   string     `json:"key"`
	Event AlarmEvent `json:"event"`
}

// Persist makes the store durable in the file at path: it loads the active
// alarms (with their id, since, value and acknowledgement) and the history
// saved there, and from then on writes them atomically on every change
// before the change is published — so an alarm raised before a crash is
// still active after it and is not raised (nor its workflow run) a second
// time. Call it before any point observes a value. It returns the number
// of active alarms restored.
func (s *AlarmStore) Persist(path string) (int, error) {
	var saved savedAlarms
	if _, err := durable.ReadJSON(path, &saved); err != nil {
		return 0, fmt.Errorf("alarm store: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.active) > 0 || len(s.history) > 0 {
		return 0, errors.New("alarm store: Persist after alarms were recorded")
	}
	for _, a := range saved.Active {
		if a.Key == "" || a.Event.Alarm.ID == "" || a.Event.Alarm.Cleared {
			continue
		}
		a.Event.Kind = AlarmRaised
		s.active[a.Key] = &activeAlarm{alarm: a.Event.Alarm, ev: a.Event}
	}
	s.history = saved.History
	if n := len(s.history); n > s.max {
		s.history = append([]abi.Alarm(nil), s.history[n-s.max:]...)
	}
	s.path = path
	return len(s.active), s.saveLocked()
}

// saveLocked writes the store to its file (none: in memory); s.mu is held.
func (s *AlarmStore) saveLocked() error {
	if s.path == "" {
		return nil
	}
	out := savedAlarms{Version: 1, Active: make([]savedAlarm, 0, len(s.active)), History: s.history}
	for k, a := range s.active {
		out.Active = append(out.Active, savedAlarm{Key: k, Event: a.ev})
	}
	if err := durable.WriteJSON(s.path, out); err != nil {
		s.saveErrors++
		return fmt.Errorf("alarm store: %w", err)
	}
	return nil
}

// ActiveKey reports whether an alarm is active under key (a point's source
// and direction): a point restored after a restart starts in that state.
func (s *AlarmStore) ActiveKey(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.active[key]
	return ok
}

// SaveErrors counts failed writes of the store's file (each also logged by
// the caller through the error of the change that caused it).
func (s *AlarmStore) SaveErrors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveErrors
}
