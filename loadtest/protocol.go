package loadtest

import (
	"fmt"
	"strings"

	"github.com/hlsswarm/hlsswarm/internal/player"
)

// HTTP2 says whether native viewers speak HTTP/2 where the origin offers
// it, as browsers (hls.js) do with a CDN: over https, when the origin
// offers h2 in the TLS handshake (ALPN), each viewer speaks HTTP/2 over a
// connection of its own to that host (its renditions share it, no other
// viewer does); a redirect to another host that offers h2 gets the
// viewer another connection of its own. Plain http, hosts that offer
// only http/1.1, and KeepAliveOff use HTTP/1.1 with keep-alive over a
// pool the fleet shares. The ffmpeg engine speaks HTTP/1.1 only, whatever
// HTTP2 says; [Result.Protocols] records what was spoken.
type HTTP2 string

// Values accepted by Config.HTTP2.
const (
	// HTTP2Auto (the default) speaks HTTP/2 where the origin offers it.
	HTTP2Auto HTTP2 = "auto"
	// HTTP2Off speaks HTTP/1.1 everywhere.
	HTTP2Off HTTP2 = "off"
)

var http2Modes = []HTTP2{HTTP2Auto, HTTP2Off}

// Protocols says which HTTP protocol a run's viewers spoke.
type Protocols struct {
	// Engine is the engine that played the viewers.
	Engine Engine `json:"engine"`
	// HTTP2 is Config.HTTP2 as the run used it.
	HTTP2 HTTP2 `json:"http2"`
	// Responses counts the responses the native viewers received
	// (redirects included) by protocol: "HTTP/1.1" and "HTTP/2.0"; nil
	// for the ffmpeg engine, which speaks HTTP/1.1 and does not count
	// them.
	Responses map[string]int64 `json:"responses,omitempty"`
}

// protocolsOf returns what the fleet's viewers spoke.
func protocolsOf(cfg Config, native *player.Client) *Protocols {
	p := &Protocols{Engine: cfg.Engine, HTTP2: cfg.HTTP2}
	if native != nil {
		p.Responses = native.Responses()
	}
	return p
}

// http2On says whether the native engine's viewers may speak HTTP/2.
func http2On(cfg Config) bool {
	return cfg.HTTP2 != HTTP2Off && cfg.KeepAlive != KeepAliveOff
}

// String is the Summary's line: which protocol, why, and how many
// responses, e.g. "native viewers spoke HTTP/2 (h2 offered by the
// origin), one connection each: 1200 responses".
func (p *Protocols) String() string {
	if p.Engine != EngineNative {
		return "ffmpeg viewers speak HTTP/1.1 only (Config.HTTP2 is for the native engine)"
	}
	h1, h2 := p.Responses[player.ProtoHTTP1], p.Responses[player.ProtoHTTP2]
	var parts []string
	if h2 > 0 {
		parts = append(parts, fmt.Sprintf("HTTP/2 (h2 offered by the origin), one connection each: %d responses", h2))
	}
	if h1 > 0 || h2 == 0 {
		why := "shared keep-alive pool"
		switch {
		case p.HTTP2 == HTTP2Off:
			why += "; Config.HTTP2 off"
		case h2 == 0:
			why += "; no h2 offered over TLS"
		}
		parts = append(parts, fmt.Sprintf("HTTP/1.1 (%s): %d responses", why, h1))
	}
	return "native viewers spoke " + strings.Join(parts, ", and ")
}

// mergeProtocols adds a shard's protocols into into (nil: none yet).
func mergeProtocols(into, p *Protocols) *Protocols {
	if p == nil {
		return into
	}
	if into == nil {
		into = &Protocols{Engine: p.Engine, HTTP2: p.HTTP2}
	}
	for k, n := range p.Responses {
		if into.Responses == nil {
			into.Responses = map[string]int64{}
		}
		into.Responses[k] += n
	}
	return into
}
