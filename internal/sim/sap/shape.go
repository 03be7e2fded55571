package sap

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

// shape is how the server renders what it stores: the switches of
// Options that real SAP systems differ in.
type shape struct {
	status       string // StatusText or StatusLegacy
	lenientCSRF  bool
	proxy        string          // origin named in links instead of the client's
	relativeNext bool            // v4 next links relative to the service root
	orderTypes   map[string]bool // order types defined for new orders
}

func newShape(opts Options) (shape, error) {
	sh := shape{status: opts.StatusField, lenientCSRF: opts.LenientCSRF, relativeNext: opts.RelativeNextLink, orderTypes: map[string]bool{}}
	switch sh.status {
	case "":
		sh.status = StatusText
	case StatusText, StatusLegacy:
	default:
		return sh, fmt.Errorf("unknown status field %q (want %s or %s)", opts.StatusField, StatusText, StatusLegacy)
	}
	if opts.ProxyOrigin != "" {
		u, err := url.Parse(opts.ProxyOrigin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return sh, fmt.Errorf("proxy origin must be scheme://host[:port], got %q", opts.ProxyOrigin)
		}
		sh.proxy = u.Scheme + "://" + u.Host
	}
	types := append(append([]string(nil), standardOrderTypes...), customerOrderTypes...)
	if opts.CustomerCodes {
		types = customerOrderTypes
	}
	for _, t := range types {
		sh.orderTypes[t] = true
	}
	return sh, nil
}

// origin is the origin links name: the proxy's, else the client's.
func (s *Server) origin(r *http.Request) string {
	if s.shape.proxy != "" {
		return s.shape.proxy
	}
	return simhttp.BaseURL(r)
}

// legacyStatus is the reference's status property.
const legacyStatus = "MaintenanceOrderSystemStatus"

// view returns a stored record under the property names the shape serves
// (values unformatted): in StatusLegacy mode an order's SystemStatusText
// becomes MaintenanceOrderSystemStatus (single-spaced) and its user status
// is not served.
func (s *Server) view(es *entitySet, rec record) record {
	if es.id() != SetOrder || s.shape.status != StatusLegacy {
		return rec
	}
	v := make(record, len(rec))
	for k, val := range rec {
		switch k {
		case "SystemStatusText":
			v[legacyStatus] = strings.Join(strings.Fields(scalarString(val)), " ")
		case "UserStatusText":
		default:
			v[k] = val
		}
	}
	return v
}

// props returns the properties of es as the shape serves them.
func (s *Server) props(es *entitySet) map[string]kind {
	if es.id() != SetOrder || s.shape.status != StatusLegacy {
		return es.props
	}
	p := make(map[string]kind, len(es.props))
	for k, v := range es.props {
		if k != "SystemStatusText" && k != "UserStatusText" {
			p[k] = v
		}
	}
	p[legacyStatus] = kString
	return p
}
