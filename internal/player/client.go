package player

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/hls"
)

// ClientHeader is the request header that carries a viewer's number on
// every request, as the ffmpeg engine sends it; RunHeader and ShardHeader
// carry the run id and shard index of a sharded run (ClientOptions.RunID).
const (
	ClientHeader = "X-Hlsswarm-Client"
	RunHeader    = "X-Hlsswarm-Run"
	ShardHeader  = "X-Hlsswarm-Shard"
)

// DefaultUserAgent is the User-Agent prefix when ClientOptions.UserAgent
// is empty; each viewer appends " client-<n>".
const DefaultUserAgent = "hlsswarm-native"

// DefaultTimeout is ClientOptions.Timeout's default.
const DefaultTimeout = 10 * time.Second

// Bounds on what the player reads: a playlist larger than maxPlaylist is
// an error (a playlist is text of a few kilobytes; this is not one), a
// segment body is read to its end but at most maxBody bytes, and at most
// maxRedirects are followed per request.
const (
	maxPlaylist  = 4 << 20
	maxBody      = 1 << 30
	maxRedirects = 10
)

// Buffer sizes of the shared pool's connections (see NewClient).
const (
	writeBuffer = 1 << 10
	readBuffer  = 2 << 10
)

// ClientOptions configure a [Client]. The zero value of each field selects
// its default.
type ClientOptions struct {
	// Origin is the URL whose web origin (scheme, host and port) receives
	// Headers; requests to any other origin, redirects included, get none
	// of them.
	Origin string
	// Headers are extra request headers for Origin's requests.
	Headers map[string]string
	// UserAgent is the User-Agent prefix; default DefaultUserAgent.
	UserAgent string
	// Timeout bounds connecting, waiting for a response's headers, and
	// each wait for more of its body (ffmpeg's rw_timeout, an inactivity
	// timeout: a slow body that keeps arriving is no timeout). Default
	// DefaultTimeout.
	Timeout time.Duration
	// Viewers is the number of viewers that will share the client; it
	// sizes the pool of idle connections kept per host. Default 1.
	Viewers int
	// Renditions is the most renditions a viewer plays at once (1, or 2
	// with a demuxed audio rendition). With it the shared pool holds at
	// most Viewers × Renditions connections per host, the requests such
	// a fleet can have in flight at once (each rendition makes one
	// request at a time), as many as the audience would hold; without it
	// (0, for viewers that play every rendition of a master playlist) a
	// pool whose requests pile up can hold more connections than there
	// are viewers. Default 0.
	Renditions int
	// DisableKeepAlives gives every request a connection of its own.
	DisableKeepAlives bool
	// RunID, when set, is the run id of a sharded run, sent with Shard
	// (the shard's index) on every request as RunHeader and ShardHeader,
	// and in the User-Agent before the client suffix: " run-<id>
	// shard-<Shard> client-<n>", as the ffmpeg engine sends them.
	RunID string
	Shard int
	// HTTP2 lets each viewer speak HTTP/2 to an https host that offers it
	// in the TLS handshake (ALPN h2), as browsers do: over a connection
	// of its own to that host, shared by the viewer's renditions and never
	// by another viewer. Other hosts, plain http and hosts offering only
	// HTTP/1.1 get HTTP/1.1 from the shared pool. Ignored with
	// DisableKeepAlives.
	HTTP2 bool
}

// Client is the HTTP side of a fleet of native viewers: one keep-alive
// http.Client whose connections any viewer may reuse. Its methods are
// safe for concurrent use.
type Client struct {
	hc        *http.Client    // over the shared pool
	tr        *http.Transport // the shared HTTP/1.1 pool
	h2        *h2Side         // nil unless ClientOptions.HTTP2
	origin    string
	headers   [][2]string // sorted by name
	userAgent string      // with the run and shard of a sharded run
	run       string      // "" unless sharded
	shard     string
	timeout   time.Duration
	// Responses received, by protocol.
	h1Responses, h2Responses atomic.Int64
}

// NewClient returns a Client for opts. Close it when the fleet is done.
//
// It speaks HTTP/1.1 with keep-alive over one Transport shared by the
// fleet, over http and https alike: each request in flight has a
// connection of its own, reused afterwards by whichever viewer asks next.
// The shared Transport never speaks HTTP/2, which would multiplex every
// viewer's requests onto one connection per origin, as no audience does;
// with ClientOptions.HTTP2 each viewer speaks HTTP/2 over a connection of
// its own to an https host that offers it. Like the ffmpeg engine it uses
// no proxy from the environment and does not verify TLS certificates
// (ffmpeg's -tls_verify 0).
func NewClient(opts ClientOptions) *Client {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: true}, // as ffmpeg's viewers: see above
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   max(opts.Viewers, 2),
		MaxConnsPerHost:       max(opts.Viewers, 1) * max(opts.Renditions, 0),
		// A request's line and headers are a few hundred bytes, and a
		// response's headers too; bodies bypass a buffer smaller than the
		// reads (io.Copy's). net/http's 4 KB each would be most of an
		// idle connection's heap.
		WriteBufferSize:        writeBuffer,
		ReadBufferSize:         readBuffer,
		IdleConnTimeout:        90 * time.Second,
		DisableCompression:     true, // bytes are the body's bytes on the wire
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      opts.DisableKeepAlives,
		// A non-nil empty map keeps HTTP/2 off (see above).
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	c := &Client{tr: tr, origin: hls.OriginOf(opts.Origin), userAgent: ua, timeout: timeout}
	if opts.RunID != "" {
		c.run, c.shard = opts.RunID, strconv.Itoa(opts.Shard)
		c.userAgent += " run-" + c.run + " shard-" + c.shard
	}
	for n, v := range opts.Headers {
		c.headers = append(c.headers, [2]string{n, v})
	}
	sort.Slice(c.headers, func(i, j int) bool { return c.headers[i][0] < c.headers[j][0] })
	c.hc = &http.Client{Transport: pooled{c}, CheckRedirect: c.checkRedirect}
	if opts.HTTP2 && !opts.DisableKeepAlives {
		c.h2 = newH2Side(timeout, tr)
	}
	return c
}

// Close closes the client's idle connections. A viewer closes its own
// HTTP/2 connections when its Play returns.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

// Responses returns the responses the viewers received (redirects
// included) by protocol: ProtoHTTP1 and ProtoHTTP2, the ones seen.
func (c *Client) Responses() map[string]int64 {
	out := map[string]int64{}
	if n := c.h1Responses.Load(); n > 0 {
		out[ProtoHTTP1] = n
	}
	if n := c.h2Responses.Load(); n > 0 {
		out[ProtoHTTP2] = n
	}
	return out
}

func (c *Client) countProto(major int) {
	if major == 2 {
		c.h2Responses.Add(1)
	} else {
		c.h1Responses.Add(1)
	}
}

// pooled is the shared pool's RoundTripper, counting responses.
type pooled struct{ c *Client }

func (p pooled) RoundTrip(req *http.Request) (*http.Response, error) { return p.c.roundTripH1(req) }

func (c *Client) roundTripH1(req *http.Request) (*http.Response, error) {
	resp, err := c.tr.RoundTrip(req)
	if err == nil {
		c.countProto(resp.ProtoMajor)
	}
	return resp, err
}

// connect gives pv the http.Client its requests go through and returns
// what closes its connections: the shared one, or with HTTP/2 on one of
// its own over viewerConns.
func (c *Client) connect(pv *viewerState) (done func()) {
	if c.h2 == nil {
		pv.hc = c.hc
		return func() {}
	}
	vc := &viewerConns{c: c}
	pv.hc = &http.Client{Transport: vc, CheckRedirect: c.checkRedirect}
	return vc.close
}

// setHeaders sets a viewer's headers on a request to u: its id and user
// agent always, the configured headers only when u is in Origin.
func (c *Client) setHeaders(h http.Header, u *url.URL, client string) {
	h.Set(ClientHeader, client)
	h.Set("User-Agent", c.userAgent+" client-"+client)
	if c.run != "" {
		h.Set(RunHeader, c.run)
		h.Set(ShardHeader, c.shard)
	}
	in := c.origin != "" && hls.Origin(u) == c.origin
	for _, kv := range c.headers {
		if in {
			h.Set(kv[0], kv[1])
		} else {
			h.Del(kv[0])
		}
	}
}

// checkRedirect follows up to maxRedirects redirects and gives every hop
// the headers its own URL may have: net/http copies the first request's
// headers onto each hop, dropping only Authorization, Cookie and
// WWW-Authenticate across hosts, so a custom header would otherwise leave
// the origin it was meant for.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	c.setHeaders(req.Header, req.URL, via[0].Header.Get(ClientHeader))
	return nil
}

// clientID formats a viewer id for the headers.
func clientID(id int) string { return strconv.Itoa(id) }

// viewerHeaders are one viewer's request headers, built once: to the
// configured origin (with the configured headers) and to any other. A
// request is given one of them as is (net/http only reads a request's
// headers, and builds a redirect's anew), so a request costs no header
// allocation; a ranged request gets a copy with its Range.
type viewerHeaders struct {
	origin, other http.Header
}

func (c *Client) headersFor(client string) viewerHeaders {
	var h viewerHeaders
	h.other = http.Header{}
	c.setHeaders(h.other, &url.URL{}, client)
	h.origin = h.other
	if len(c.headers) > 0 {
		h.origin = h.other.Clone()
		for _, kv := range c.headers {
			h.origin.Set(kv[0], kv[1])
		}
	}
	return h
}

// pick returns the headers for a request to u.
func (h *viewerHeaders) pick(c *Client, u *url.URL) http.Header {
	if c.origin != "" && hls.Origin(u) == c.origin {
		return h.origin
	}
	return h.other
}

// errorKind classifies a failed request for the stats.
type errorKind uint8

const (
	errNone     errorKind = iota
	errStopped            // the viewer was stopped: not the origin's doing
	errTimeout            // no connection, headers or body bytes within the timeout
	errRefused            // connection refused
	errCut                // the connection failed: reset, or a body cut short
	errTooLarge           // a playlist past maxPlaylist
	errStatus             // an HTTP error status (the request itself completed)
	errPlaylist           // a body that is no playlist
)

// classify returns the kind of err from a request made under ctx, whose
// inactivity timer fired when timedOut.
func classify(ctx context.Context, err error, timedOut bool) errorKind {
	var ne net.Error
	switch {
	case err == nil:
		return errNone
	case timedOut, errors.As(err, &ne) && ne.Timeout():
		return errTimeout
	case ctx.Err() != nil:
		return errStopped
	case isRefused(err):
		return errRefused
	}
	return errCut
}
