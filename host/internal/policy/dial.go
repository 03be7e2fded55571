package policy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// metadata addresses of cloud instance-metadata services.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, …
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
}

type prefixReason struct {
	p      netip.Prefix
	reason string
}

// restricted lists the special-purpose ranges a plugin may reach only
// through an origin granted allow_private.
var restricted = func() []prefixReason {
	var out []prefixReason
	for _, r := range []struct{ cidr, reason string }{
		{"0.0.0.0/8", "unspecified"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "CGNAT"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignment"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"fc00::/7", "private (ULA)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
		{"100::/64", "discard"},
	} {
		out = append(out, prefixReason{netip.MustParsePrefix(r.cidr), r.reason})
	}
	return out
}()

var (
	nat64    = netip.MustParsePrefix("64:ff9b::/96")
	six2four = netip.MustParsePrefix("2002::/16")
)

// ClassifyIP reports whether ip is a special-purpose address a plugin may
// reach only with allow_private, and why ("loopback", "private",
// "link-local", "CGNAT", "multicast", "unspecified", "cloud metadata", …).
// IPv4-mapped, NAT64 and 6to4 addresses are judged by the IPv4 address
// they embed.
func ClassifyIP(ip netip.Addr) (reason string, restrictedIP bool) {
	ip = ip.Unmap().WithZone("")
	for _, m := range metadataAddrs {
		if ip == m {
			return "cloud metadata", true
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			if r, ok := ClassifyIP(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); ok {
				return r + " (via NAT64)", true
			}
		case six2four.Contains(ip):
			if r, ok := ClassifyIP(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})); ok {
				return r + " (via 6to4)", true
			}
		}
	}
	if ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "broadcast", true
	}
	for _, r := range restricted {
		if r.p.Contains(ip) {
			return r.reason, true
		}
	}
	if !ip.IsValid() {
		return "invalid", true
	}
	return "", false
}

// EgressDeniedError is the dial-time refusal of a restricted address.
type EgressDeniedError struct {
	IP     netip.Addr
	Reason string
}

// Error implements error; it names the address and why it is restricted.
func (e *EgressDeniedError) Error() string {
	return fmt.Sprintf("egress to %s (%s address) denied: the origin is not granted allow_private", e.IP, e.Reason)
}

// DialControl refuses restricted addresses at dial time, on the address
// actually being connected to, so DNS answers (and rebinding) cannot
// bypass the check: the net.Dialer ControlContext of every connection the
// host opens for a plugin (HTTP here, SMTP and IMAP in package mail).
func DialControl(allowPrivate bool) func(ctx context.Context, network, address string, c syscall.RawConn) error {
	return func(_ context.Context, network, address string, _ syscall.RawConn) error {
		if network != "tcp4" && network != "tcp6" && network != "tcp" {
			return fmt.Errorf("egress over %s denied", network)
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("egress to unparsable address denied")
		}
		if allowPrivate {
			return nil
		}
		if reason, bad := ClassifyIP(ap.Addr()); bad {
			return &EgressDeniedError{IP: ap.Addr().Unmap(), Reason: reason}
		}
		return nil
	}
}

// newClient builds the HTTP client of one granted origin: its own
// transport (so its dial policy cannot leak to another origin's pooled
// connections), no proxy, dial-time IP checks, the plugin's cookie jar and
// same-origin redirects only (at most 5; otherwise the 3xx is returned).
func newClient(o *Origin, jar http.CookieJar, tlsConf *tls.Config) *http.Client {
	d := &net.Dialer{
		Timeout:        10 * time.Second,
		KeepAlive:      30 * time.Second,
		ControlContext: DialControl(o.AllowPrivate),
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	if tlsConf != nil {
		tr.TLSClientConfig = tlsConf.Clone()
	}
	origin := o.String()
	return &http.Client{
		Transport: tr,
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > 5 {
				return http.ErrUseLastResponse
			}
			if originOf(req.URL.Scheme, req.URL.Hostname(), req.URL.Port()) != origin {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// errEgress reports whether err is a dial-time refusal.
func errEgress(err error) (*EgressDeniedError, bool) {
	var e *EgressDeniedError
	ok := errors.As(err, &e)
	return e, ok
}
