package sensor

import (
	"net"
	"net/url"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// LogInsecure logs, once per session supervisor, that a connection is
// neither encrypted nor authenticated (what names the protocol's reason).
// It is a warning when the server is reached over the network, and an
// expected condition at info level, with its reason, when the server is on
// this host's loopback interface: the traffic never leaves the machine
// (simulators, a local gateway).
func LogInsecure(log hclog.Logger, what, rawURL string) {
	msg := "insecure_connection: " + what
	if LoopbackURL(rawURL) {
		log.Info(msg, "url", rawURL, "reason", "expected: the server is on this host's loopback interface, the traffic never leaves the machine")
		return
	}
	log.Warn(msg, "url", rawURL)
}

// LoopbackURL reports whether rawURL's host is a loopback address or
// "localhost".
func LoopbackURL(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	return LoopbackHost(u.Hostname())
}

// LoopbackHost reports whether host (a name or an IP address, without
// port) is a loopback address or "localhost" in any letter case.
func LoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
