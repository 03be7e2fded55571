package sap

import (
	"net/http"
	"time"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

// CSRF as SAP Gateway documents it (plugins/cmms-sap/testdata/corpus/
// csrf-gateway-exchange.md): a token is issued only on a non-modifying
// request (GET or HEAD) carrying "X-CSRF-Token: Fetch", together with the
// session cookies (SAP_SESSIONID_<SID>_<client>) and the anti-XSRF cookie
// (sap-XSRF_<SID>_<client>) holding the token. Every write needs the
// token header and those cookies; otherwise 403 with "x-csrf-token:
// Required" and the plain-text body "CSRF token validation failed". A
// refused write gets no new token.

// csrfBody is the documented body of a refused write (28 bytes).
const csrfBody = "CSRF token validation failed"

// session is one Gateway HTTP session.
type session struct {
	token   string
	expires time.Time
}

// csrfStore holds the sessions and, in lenient mode, the tokens issued
// (valid without any cookie). Guarded by Server.mu.
type csrfStore struct {
	sessions map[string]*session
	lenient  map[string]time.Time
	seen     []string // every token issued, for IssuedSecrets
}

func (c *csrfStore) expireAll() {
	for _, ss := range c.sessions {
		ss.token = ""
	}
	clear(c.lenient)
}

// sessionCookie is the name of the session cookie CSRF tokens are bound to.
func (s *Server) sessionCookie() string { return "SAP_SESSIONID_SIM_" + s.clientOr("100") }

// xsrfCookie is the name of the anti-XSRF cookie that carries the token.
func (s *Server) xsrfCookie() string { return "sap-XSRF_SIM_" + s.clientOr("100") }

// issueCSRF answers an X-CSRF-Token: Fetch with the session's token,
// creating the session (and its cookies) when needed.
func (s *Server) issueCSRF(r *http.Request, w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ss *session
	if c, err := r.Cookie(s.sessionCookie()); err == nil {
		ss = s.csrf.sessions[c.Value]
	}
	if ss == nil {
		id, err := simhttp.RandomString(24)
		if err != nil {
			return
		}
		ss = &session{}
		s.csrf.sessions[id] = ss
		http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: id, Path: "/", HttpOnly: true})
	}
	if ss.token == "" || !s.now().Before(ss.expires) {
		tok, err := simhttp.RandomString(18)
		if err != nil {
			return
		}
		ss.token, ss.expires = tok+"==", s.now().Add(s.csrfTTL)
		s.csrf.seen = append(s.csrf.seen, ss.token)
		s.csrf.lenient[ss.token] = ss.expires
	}
	http.SetCookie(w, &http.Cookie{Name: s.xsrfCookie(), Value: ss.token, Path: "/", HttpOnly: true})
	w.Header().Set("x-csrf-token", ss.token)
	s.csrfFetches.Add(1)
}

// checkCSRF validates a write's token: against the session of its cookies
// and the anti-XSRF cookie (strict), or against every issued token
// (lenient).
func (s *Server) checkCSRF(r *http.Request) *httpErr {
	required := &httpErr{status: 403, plain: csrfBody, hdr: map[string]string{"x-csrf-token": "Required"}}
	tok := r.Header.Get("X-CSRF-Token")
	s.mu.Lock()
	defer s.mu.Unlock()
	var ss *session
	if c, err := r.Cookie(s.sessionCookie()); err == nil {
		ss = s.csrf.sessions[c.Value]
	}
	if simhttp.Take(&s.faults.CSRFReject) {
		if ss != nil {
			delete(s.csrf.lenient, ss.token)
			ss.token = ""
		}
		s.csrfRejected.Add(1)
		return required
	}
	if s.shape.lenientCSRF {
		if exp, ok := s.csrf.lenient[tok]; tok != "" && ok && s.now().Before(exp) {
			return nil
		}
		s.csrfRejected.Add(1)
		return required
	}
	xsrf, err := r.Cookie(s.xsrfCookie())
	if ss == nil || tok == "" || ss.token == "" || !s.now().Before(ss.expires) || !simhttp.Equal(tok, ss.token) || err != nil || !simhttp.Equal(xsrf.Value, ss.token) {
		s.csrfRejected.Add(1)
		return required
	}
	return nil
}
