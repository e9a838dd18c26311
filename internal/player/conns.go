package player

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/hls"
)

// Protocols a viewer may speak, as Go's http.Response.Proto names them.
const (
	ProtoHTTP1 = "HTTP/1.1"
	ProtoHTTP2 = "HTTP/2.0"
)

// offer is what an https host offered in its TLS handshake (ALPN).
type offer uint8

const (
	offerUnknown offer = iota // not dialed yet, or every dial failed
	offerH1                   // http/1.1 only: the shared pool serves it
	offerH2                   // h2: each viewer dials a connection of its own
)

// h2Side is the HTTP/2 half of a Client: the Transport that dials each
// viewer's own connections (never pooled: NewClientConn) and what each
// https host offered.
type h2Side struct {
	tr     *http.Transport
	mu     sync.Mutex
	offers map[string]offer // by host:port
}

// alpnKey carries, through NewClientConn's context to dialTLS, where to
// record the protocol the handshake chose.
type alpnKey struct{}

func newH2Side(timeout time.Duration, base *http.Transport) *h2Side {
	s := &h2Side{offers: map[string]offer{}}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	s.tr = &http.Transport{
		Proxy:                  nil,
		ResponseHeaderTimeout:  base.ResponseHeaderTimeout,
		DisableCompression:     true,
		MaxResponseHeaderBytes: base.MaxResponseHeaderBytes,
		Protocols:              &p,
		// The handshake is done here, to learn what the host offered.
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			raw, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			host, _, _ := net.SplitHostPort(addr)
			tc := tls.Client(raw, &tls.Config{
				ServerName:         host,
				NextProtos:         []string{"h2", "http/1.1"},
				InsecureSkipVerify: true, // as the shared Transport: see NewClient
			})
			hctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if err := tc.HandshakeContext(hctx); err != nil {
				raw.Close()
				return nil, err
			}
			if rec, ok := ctx.Value(alpnKey{}).(*string); ok {
				*rec = tc.ConnectionState().NegotiatedProtocol
			}
			return tc, nil
		},
	}
	return s
}

func (s *h2Side) offer(addr string) offer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offers[addr]
}

func (s *h2Side) learn(addr string, o offer) {
	s.mu.Lock()
	s.offers[addr] = o
	s.mu.Unlock()
}

// viewerConns is one viewer's RoundTripper with HTTP/2 on: a request to
// an https host that offers h2 goes over the viewer's own connection to
// it (one per host, shared by the viewer's renditions, as a browser
// does), any other request over the Client's shared HTTP/1.1 pool.
type viewerConns struct {
	c     *Client
	mu    sync.Mutex
	conns map[string]*http.ClientConn // by host:port; usually one
}

// RoundTrip sends req over the viewer's HTTP/2 connection to its host when
// the host offers h2, else over the shared pool. A request whose
// connection had failed before it was written is sent again on a new one,
// as net/http does with a pooled connection; each connection taken is
// reported to the request's trace (GotConn), so fetch counts that as a
// reconnect as it does for HTTP/1.1.
func (vc *viewerConns) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return vc.c.roundTripH1(req)
	}
	addr := hls.HostPort(req.URL)
	if vc.c.h2.offer(addr) == offerH1 {
		return vc.c.roundTripH1(req)
	}
	trace := httptrace.ContextClientTrace(req.Context())
	for attempt := 0; ; attempt++ {
		cc, reused, err := vc.conn(req.Context(), addr)
		if err != nil {
			return nil, err
		}
		if cc == nil { // the host offers HTTP/1.1 only
			return vc.c.roundTripH1(req)
		}
		if trace != nil && trace.GotConn != nil {
			trace.GotConn(httptrace.GotConnInfo{Reused: reused})
		}
		var wrote atomic.Bool
		resp, err := cc.RoundTrip(withWrote(req, &wrote))
		if err == nil {
			vc.c.countProto(resp.ProtoMajor)
			return resp, nil
		}
		if attempt > 0 || !reused || wrote.Load() || cc.Err() == nil || req.Context().Err() != nil {
			return nil, err
		}
	}
}

// withWrote returns req with a trace, composed with its own, that
// records in wrote that the request was written.
func withWrote(req *http.Request, wrote *atomic.Bool) *http.Request {
	return req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(w httptrace.WroteRequestInfo) {
			if w.Err == nil {
				wrote.Store(true)
			}
		},
	}))
}

// conn returns the viewer's usable HTTP/2 connection to addr, dialing one
// when there is none (reused false), or nil when addr offered only
// HTTP/1.1.
func (vc *viewerConns) conn(ctx context.Context, addr string) (*http.ClientConn, bool, error) {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if cc := vc.conns[addr]; cc != nil {
		if cc.Err() == nil {
			return cc, true, nil
		}
		cc.Close()
		delete(vc.conns, addr)
	}
	var proto string
	cc, err := vc.c.h2.tr.NewClientConn(context.WithValue(ctx, alpnKey{}, &proto), "https", addr)
	if err != nil {
		return nil, false, err
	}
	if proto != "h2" {
		cc.Close()
		vc.c.h2.learn(addr, offerH1)
		return nil, false, nil
	}
	vc.c.h2.learn(addr, offerH2)
	if vc.conns == nil {
		vc.conns = map[string]*http.ClientConn{}
	}
	vc.conns[addr] = cc
	return cc, false, nil
}

// close closes the viewer's connections.
func (vc *viewerConns) close() {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	for addr, cc := range vc.conns {
		cc.Close()
		delete(vc.conns, addr)
	}
}
