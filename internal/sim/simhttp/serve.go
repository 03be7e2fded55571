package simhttp

import (
	"bytes"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Counters are the request counters every HTTP simulator keeps and reports
// in its stats.
type Counters struct {
	Requests     atomic.Int64 // API requests (admin excluded)
	Reads        atomic.Int64 // GET and HEAD requests
	Writes       atomic.Int64 // write requests received, applied or not
	WritesDone   atomic.Int64 // writes that changed data
	AuthFailures atomic.Int64 // requests refused with 401
	Faulted      atomic.Int64 // requests answered by an injected fault
}

// Count counts r as an API request and as a read or a write; it reports
// whether r is a write.
func (c *Counters) Count(r *http.Request) (write bool) {
	c.Requests.Add(1)
	write = r.Method != http.MethodGet && r.Method != http.MethodHead
	if write {
		c.Writes.Add(1)
	} else {
		c.Reads.Add(1)
	}
	return write
}

// LogRequest logs one answered request at debug level; defer it with the
// time the request arrived.
func LogRequest(log hclog.Logger, w *StatusWriter, r *http.Request, start time.Time) {
	log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", w.Status, "duration", time.Since(start))
}

// Delay holds the request for the slow fault (ms milliseconds, none when
// 0); it reports false when the client went away first.
func Delay(r *http.Request, ms int) bool {
	if ms <= 0 {
		return true
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Damage applies the body faults to a 200 answer: malformed truncates the
// JSON body to half its length, oversized pads a JSON object with a
// "padding" member to at least overBytes bytes. It reports whether a fault
// changed the body.
func Damage(body []byte, status int, malformed, oversized bool, overBytes int) ([]byte, bool) {
	if status != http.StatusOK {
		return body, false
	}
	if malformed {
		return body[:len(body)/2], true
	}
	if !oversized {
		return body, false
	}
	obj := bytes.TrimRight(body, " \n")
	if overBytes <= len(obj) || len(obj) == 0 || obj[len(obj)-1] != '}' {
		return body, false
	}
	pad := `,"padding":"` + strings.Repeat("x", overBytes-len(obj)) + `"}`
	return append(obj[:len(obj)-1:len(obj)-1], pad...), true
}
