package pdk

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
)

// RetryPolicy is the reference's method-aware retry policy for upstream
// calls: 429 is always retried (honouring a numeric Retry-After), 503 and
// transient transport failures only for idempotent requests, with backoff
// min(Base·2^n, Max) and at most Retries retries. Writes that are not
// idempotent are therefore never repeated after a failure.
type RetryPolicy struct {
	// Idempotent allows retries on 503 and transport failures.
	Idempotent bool
	// Base is the first backoff (default 500 ms); Max caps every wait
	// (default 8 s) — a Retry-After longer than Max is not waited for.
	Base, Max time.Duration
	// Retries is the number of retries after the first attempt (default 3).
	Retries int
	// Transient reports whether a host-call error is a transport failure
	// worth retrying (default: code unavailable).
	Transient func(error) bool
	// OnRetry, when set, is told about each retry before its wait.
	OnRetry func(attempt int, wait time.Duration)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Base <= 0 {
		p.Base = 500 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 8 * time.Second
	}
	if p.Retries < 0 {
		p.Retries = 0
	} else if p.Retries == 0 {
		p.Retries = 3
	}
	if p.Transient == nil {
		p.Transient = func(err error) bool { return abi.AsError(err).Code == abi.CodeUnavailable }
	}
	return p
}

// Backoff returns the wait before retry n (0-based): min(Base·2^n, Max).
func (p RetryPolicy) Backoff(n int) time.Duration {
	p = p.withDefaults()
	d := p.Base << n
	if d > p.Max || d <= 0 {
		return p.Max
	}
	return d
}

// HTTPWithRetry sends req through HTTP with the retry policy. It returns the
// last response whatever its status (mapping statuses is the caller's job)
// and an error only when the host call itself failed.
func HTTPWithRetry(ctx context.Context, req abi.HTTPRequest, p RetryPolicy) (abi.HTTPResponse, error) {
	p = p.withDefaults()
	for attempt := 0; ; attempt++ {
		resp, err := HTTP(ctx, req)
		wait := p.Backoff(attempt)
		retry := false
		switch {
		case err != nil:
			retry = p.Idempotent && p.Transient(err)
		case resp.Status == 429:
			retry = true
			if ra, ok := RetryAfter(resp.Headers); ok {
				if ra > p.Max {
					retry = false // longer than one call may wait
				} else {
					wait = ra
				}
			}
		case resp.Status == 503:
			retry = p.Idempotent
		}
		if !retry || attempt >= p.Retries {
			return resp, err
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt+1, wait)
		}
		if err := Sleep(ctx, wait); err != nil {
			return resp, abi.Unavailable("cancelled while waiting to retry: %v", err)
		}
	}
}

// RetryAfter reads a numeric Retry-After header (seconds).
func RetryAfter(h map[string]string) (time.Duration, bool) {
	for k, v := range h {
		if strings.EqualFold(k, "Retry-After") {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return 0, false
			}
			return time.Duration(n) * time.Second, true
		}
	}
	return 0, false
}

// Sleep waits d or until ctx is done (inside wasm the host's real
// nanosleep is used).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
