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
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch {
	case port == "" && scheme == "http":
		port = "80"
	case port == "" && scheme == "https":
		port = "443"
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// OriginOf is Origin of a URL in text form, "" when it does not parse.
func OriginOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return Origin(u)
}
