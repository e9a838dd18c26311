package hls

import (
	"net"
	"net/url"
	"strings"
)

// Origin returns the web origin of u (scheme://host:port, lower case, the
// port made explicit), or "" without a host: two URLs with the same
// origin are the same server to a player, which sends the headers it was
// given for a stream only there (a redirect elsewhere leaves the origin).
func Origin(u *url.URL) string {
	if u == nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + HostPort(u)
}

// HostPort returns u's host (lower-cased) and port, joined, the port
// defaulted from an http or https scheme: the address a connection to u
// dials.
func HostPort(u *url.URL) string {
	port := u.Port()
	switch scheme := strings.ToLower(u.Scheme); {
	case port == "" && scheme == "http":
		port = "80"
	case port == "" && scheme == "https":
		port = "443"
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// OriginOf is Origin of a URL in text form, "" when it does not parse.
func OriginOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return Origin(u)
}
