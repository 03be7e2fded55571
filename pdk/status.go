package pdk

import "github.com/machina-go/machina/abi"

// HTTPStatus is an upstream answer that is not a success, as StatusError
// maps it.
type HTTPStatus struct {
	// System names the upstream in messages, e.g. "Maximo".
	System string
	// Request is what was asked, e.g. "GET /maximo/oslc/os/mxasset" — a
	// path without its query, which may carry data.
	Request string
	// Status is the HTTP status code.
	Status int
	// Detail is the upstream's own error text, free of secrets ("" for
	// none). It is left out of unauthorized errors.
	Detail string
	// CallerData says the request carries the caller's data (a work order
	// to write, an id or filter to look up): a 400, 409 or 422 then means
	// that data was refused (invalid_argument). Without it they mean the
	// plugin asked wrongly (upstream).
	CallerData bool
}

// StatusError maps a non-2xx HTTP status to the ABI error the host and its
// clients act on, so every plugin reports the same status the same way:
//
//	401            unauthorized   (credentials refused; no upstream text)
//	403            unauthorized   (not allowed; with the upstream's text)
//	404            not_found
//	400, 409, 422  invalid_argument when the request carries the caller's
//	               data (the upstream refused it), else upstream
//	429            unavailable    (rate limited, after HTTPWithRetry's retries)
//	502, 503, 504  unavailable    (gateway or maintenance: try again later)
//	anything else  upstream
func StatusError(s HTTPStatus) *abi.Error {
	what := s.System
	if s.Request != "" {
		what += " " + s.Request
	}
	detail := ""
	if s.Detail != "" {
		detail = ": " + s.Detail
	}
	switch {
	case s.Status == 401:
		return abi.Unauthorized("%s refused the credentials (HTTP 401)", what)
	case s.Status == 403:
		return abi.Unauthorized("%s refused access (HTTP 403)%s", what, detail)
	case s.Status == 404:
		return abi.NotFound("%s: not found (HTTP 404)%s", what, detail)
	case (s.Status == 400 || s.Status == 409 || s.Status == 422) && s.CallerData:
		return abi.InvalidArgument("%s: rejected (HTTP %d)%s", what, s.Status, detail)
	case s.Status == 429:
		return abi.Unavailable("%s: rate limited (HTTP 429)", what)
	case s.Status == 502 || s.Status == 503 || s.Status == 504:
		return abi.Unavailable("%s is unavailable (HTTP %d)", what, s.Status)
	}
	return abi.Upstream("%s failed (HTTP %d)%s", what, s.Status, detail)
}
