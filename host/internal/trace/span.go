package trace

import (
	"context"
	"sync"
	"time"
)

// Span times one action and records it when it ends.
//
//	ctx, sp := tracer.Start(ctx, trace.Entry{Action: trace.ActionToolCall, Operation: "list_assets"})
//	res, err := do(ctx) // entries recorded below get ParentID = sp.ID()
//	sp.Entry().OutputSummary = summarize(res)
//	sp.End(err)
//
// Start and End work on a nil *Tracer (nothing is recorded).
type Span struct {
	t     *Tracer
	e     Entry
	start time.Time
	once  sync.Once
}

// Start begins a span: e gets an ID, a timestamp and the Call carried by
// ctx (client, conversation, parent). The returned context carries the same
// Call with ParentID set to this span's ID, so nested spans and plugin HTTP
// entries point at it.
func (t *Tracer) Start(ctx context.Context, e Entry) (context.Context, *Span) {
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.Timestamp.IsZero() {
		if t != nil {
			e.Timestamp = t.clock()
		} else {
			e.Timestamp = time.Now()
		}
	}
	c, _ := CallFrom(ctx)
	c.Apply(&e)
	c.ParentID = e.ID
	if c.ClientID == "" {
		c.ClientID = e.ClientID
	}
	if c.ConversationID == "" {
		c.ConversationID = e.ConversationID
	}
	return WithCall(ctx, c), &Span{t: t, e: e, start: time.Now()}
}

// ID returns the span's entry ID.
func (s *Span) ID() string { return s.e.ID }

// Entry gives access to the entry before End, to set summaries, metadata,
// token counts and so on. Do not use it concurrently with End.
func (s *Span) Entry() *Entry { return &s.e }

// End sets the duration, Success (err == nil) and Error, and records the
// entry. Only the first call records.
func (s *Span) End(err error) {
	s.once.Do(func() {
		s.e.DurationMS = float64(time.Since(s.start).Microseconds()) / 1000
		s.e.Success = err == nil
		if err != nil {
			s.e.Error = err.Error()
		}
		s.t.Record(s.e)
	})
}
