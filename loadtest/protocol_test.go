package loadtest

import (
	"bytes"
	"strings"
	"testing"
)

func TestProtocolsString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Protocols
		want string
	}{
		{"ffmpeg", Protocols{Engine: EngineFFmpeg, HTTP2: HTTP2Auto},
			"ffmpeg viewers speak HTTP/1.1 only (Config.HTTP2 is for the native engine)"},
		{"h2", Protocols{Engine: EngineNative, HTTP2: HTTP2Auto, Responses: map[string]int64{"HTTP/2.0": 120}},
			"native viewers spoke HTTP/2 (h2 offered by the origin), one connection each: 120 responses"},
		{"h2 and a redirect to an http/1.1 host", Protocols{Engine: EngineNative, HTTP2: HTTP2Auto, Responses: map[string]int64{"HTTP/2.0": 120, "HTTP/1.1": 3}},
			"native viewers spoke HTTP/2 (h2 offered by the origin), one connection each: 120 responses, and HTTP/1.1 (shared keep-alive pool): 3 responses"},
		{"not offered", Protocols{Engine: EngineNative, HTTP2: HTTP2Auto, Responses: map[string]int64{"HTTP/1.1": 40}},
			"native viewers spoke HTTP/1.1 (shared keep-alive pool; no h2 offered over TLS): 40 responses"},
		{"off", Protocols{Engine: EngineNative, HTTP2: HTTP2Off, Responses: map[string]int64{"HTTP/1.1": 40}},
			"native viewers spoke HTTP/1.1 (shared keep-alive pool; Config.HTTP2 off): 40 responses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.String(); got != tt.want {
				t.Errorf("String() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestMergeProtocols(t *testing.T) {
	t.Parallel()
	var m *Protocols
	m = mergeProtocols(m, &Protocols{Engine: EngineNative, HTTP2: HTTP2Auto, Responses: map[string]int64{"HTTP/2.0": 5}})
	m = mergeProtocols(m, nil) // a shard from a report without protocols
	m = mergeProtocols(m, &Protocols{Engine: EngineNative, HTTP2: HTTP2Auto, Responses: map[string]int64{"HTTP/2.0": 7, "HTTP/1.1": 1}})
	if m.Engine != EngineNative || m.Responses["HTTP/2.0"] != 12 || m.Responses["HTTP/1.1"] != 1 {
		t.Errorf("merged %+v; want native, HTTP/2.0 12, HTTP/1.1 1", m)
	}
	if got := mergeProtocols(nil, nil); got != nil {
		t.Errorf("mergeProtocols(nil, nil) = %+v; want nil", got)
	}
}

func TestHTTP2On(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		http2 HTTP2
		ka    KeepAlive
		want  bool
	}{
		{HTTP2Auto, KeepAliveAuto, true}, {HTTP2Auto, KeepAliveOn, true},
		{HTTP2Auto, KeepAliveOff, false}, {HTTP2Off, KeepAliveOn, false},
	} {
		if got := http2On(Config{HTTP2: tt.http2, KeepAlive: tt.ka}); got != tt.want {
			t.Errorf("http2On(HTTP2 %s, KeepAlive %s) = %v; want %v", tt.http2, tt.ka, got, tt.want)
		}
	}
}

func TestRenditionsOf(t *testing.T) {
	t.Parallel()
	one := play{url: "http://o/v0/index.m3u8", label: "/v0/index.m3u8"}
	audio := play{url: "http://o/v1/index.m3u8", audio: "http://o/a0/index.m3u8", label: "/v1/index.m3u8 + /a0/index.m3u8"}
	every := play{url: "http://o/master.m3u8", label: everyRendition}
	for _, tt := range []struct {
		name  string
		cfg   Config
		plays []play
		want  int
	}{
		{"one rendition", Config{}, []play{one, one}, 1},
		{"demuxed audio", Config{}, []play{one, audio}, 2},
		{"every rendition", Config{}, []play{every}, 0},
		{"allow no playback", Config{AllowNoPlayback: true}, []play{one}, 0},
	} {
		if got := renditionsOf(tt.cfg, tt.plays); got != tt.want {
			t.Errorf("%s: renditionsOf = %d; want %d", tt.name, got, tt.want)
		}
	}
}

// TestProtocolsReported: Result.Protocols is a line of the Summary, a row
// of the HTML report's configuration, and survives the JSON report.
func TestProtocolsReported(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	r.Protocols = &Protocols{Engine: EngineNative, HTTP2: HTTP2Auto, Responses: map[string]int64{"HTTP/2.0": 42}}
	line := "native viewers spoke HTTP/2 (h2 offered by the origin), one connection each: 42 responses"
	if !strings.Contains(r.Summary(), "protocol   "+line+"\n") {
		t.Errorf("Summary has no protocol line %q:\n%s", line, r.Summary())
	}
	var row bool
	for _, kv := range r.htmlConfig() {
		row = row || kv.Key == "protocol" && kv.Value == line
	}
	if !row {
		t.Errorf("htmlConfig() = %v; want a protocol row %q", r.htmlConfig(), line)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Protocols == nil || back.Protocols.Engine != EngineNative || back.Protocols.HTTP2 != HTTP2Auto || back.Protocols.Responses["HTTP/2.0"] != 42 {
		t.Errorf("Protocols after the JSON report = %+v; want %+v", back.Protocols, r.Protocols)
	}
}
