// Package simhttp holds the plumbing the HTTP simulators share: counted
// fault switches, the request's base URL, a status-recording response
// writer, and the 0600 env file that hands generated credentials to an
// operator. Protocol behaviour (error bodies, queries, auth) stays in each
// simulator.
package simhttp

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Take consumes one use of a fault counter: a negative count fires on every
// request, a positive one fires and decrements, zero is off.
func Take(n *int) bool {
	switch {
	case *n < 0:
		return true
	case *n > 0:
		*n--
		return true
	}
	return false
}

// BaseURL is the scheme and host the client used to reach the simulator.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// StatusWriter records the status code written through it.
type StatusWriter struct {
	http.ResponseWriter
	Status int
}

// NewStatusWriter wraps w; the status is 200 until WriteHeader says
// otherwise.
func NewStatusWriter(w http.ResponseWriter) *StatusWriter {
	return &StatusWriter{ResponseWriter: w, Status: http.StatusOK}
}

// WriteHeader implements http.ResponseWriter.
func (w *StatusWriter) WriteHeader(code int) {
	w.Status = code
	w.ResponseWriter.WriteHeader(code)
}

// WriteEnvFile writes KEY=value lines to path with mode 0600, or to a new
// temporary file named after pattern when path is empty, and returns the
// absolute path.
func WriteEnvFile(path, pattern string, vars [][2]string) (string, error) {
	var b strings.Builder
	for _, kv := range vars {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	if path == "" {
		f, err := os.CreateTemp("", pattern)
		if err != nil {
			return "", err
		}
		path = f.Name()
		f.Close()
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", err
	}
	return filepath.Abs(path)
}

// Equal compares a presented credential with the expected one in constant
// time.
func Equal(got, want string) bool { return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 }

// RandomString returns n random bytes, base64url-encoded: generated
// credentials, tokens and session ids.
func RandomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ParseMode validates a mode name (case and surrounding spaces ignored)
// against the simulator's modes.
func ParseMode[M ~string](s string, modes ...M) (M, error) {
	m := M(strings.ToLower(strings.TrimSpace(s)))
	for _, x := range modes {
		if m == x {
			return m, nil
		}
	}
	names := make([]string, len(modes))
	for i, x := range modes {
		names[i] = string(x)
	}
	return "", fmt.Errorf("unknown auth mode %q (want %s)", s, strings.Join(names, ", "))
}

// Admin serves the endpoints every HTTP simulator offers its operator once
// the caller is authenticated: GET /_sim/stats, and GET, PUT (or POST) and
// DELETE /_sim/faults with a JSON body of the simulator's fault type F
// (unknown fields refused). It reports whether the request was one of
// them; fail writes an error in the simulator's own format.
func Admin[F any](w http.ResponseWriter, r *http.Request, stats func() any, get func() F, set func(F), fail func(status int, msg string)) bool {
	enc := json.NewEncoder(w)
	switch {
	case r.URL.Path == "/_sim/stats" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = enc.Encode(stats())
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = enc.Encode(get())
	case r.URL.Path == "/_sim/faults" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		var f F
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			fail(http.StatusBadRequest, "faults: "+err.Error())
			return true
		}
		set(f)
		w.Header().Set("Content-Type", "application/json")
		_ = enc.Encode(f)
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodDelete:
		var none F
		set(none)
		w.Header().Set("Content-Type", "application/json")
		_ = enc.Encode(none)
	default:
		return false
	}
	return true
}
