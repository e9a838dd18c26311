package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestNativeTruthHTTP2: native viewers against an origin that offers h2
// speak HTTP/2 (Config.HTTP2's default), healthy and under each fixture
// fault; per viewer and kind their counts equal the origin's, every
// viewer request reached it over HTTP/2, and the Result says so. With
// HTTP2Off the same origin gets HTTP/1.1; the ffmpeg engine's Result
// says it speaks HTTP/1.1 only (TestTruth's https cases run ffmpeg
// against an origin that does not offer h2).
func TestNativeTruthHTTP2(t *testing.T) {
	t.Parallel()
	seg := []fixtures.Kind{fixtures.KindSegment}
	for _, tt := range []struct {
		name   string
		faults []fixtures.Fault
		http2  loadtest.HTTP2
		proto  string // every viewer request's
	}{
		{"healthy", nil, "", "HTTP/2.0"},
		{"off", nil, loadtest.HTTP2Off, "HTTP/1.1"},
		{"503_playlists", []fixtures.Fault{{Type: fixtures.FaultStatus, Status: http.StatusServiceUnavailable, Kinds: []fixtures.Kind{fixtures.KindMedia}, Every: 3}}, "", "HTTP/2.0"},
		{"header_stall", []fixtures.Fault{{Type: fixtures.FaultHeaderStall, Delay: 3 * time.Second, Kinds: seg, Every: 5}}, "", "HTTP/2.0"},
		{"body_stall", []fixtures.Fault{{Type: fixtures.FaultBodyStall, Delay: 3 * time.Second, After: 1000, Kinds: seg, Every: 5}}, "", "HTTP/2.0"},
		{"reset", []fixtures.Fault{{Type: fixtures.FaultReset, After: 1000, Kinds: seg, Every: 5}}, "", "HTTP/2.0"},
		{"reset_before_response", []fixtures.Fault{{Type: fixtures.FaultReset, Kinds: seg, Every: 5}}, "", "HTTP/2.0"},
		{"truncate", []fixtures.Fault{{Type: fixtures.FaultTruncate, After: 1000, Kinds: seg, Every: 5}}, "", "HTTP/2.0"},
		{"bandwidth", []fixtures.Fault{{Type: fixtures.FaultBandwidth, BytesPerSecond: 200_000, Kinds: seg, Every: 4}}, "", "HTTP/2.0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithHTTP2(), fixtures.WithFaults(tt.faults...))
			res := loadtest.Run(t, loadtest.Config{
				URL: origin.URL(), Clients: 4, Ramp: 500 * time.Millisecond, Duration: 6 * time.Second,
				Engine: loadtest.EngineNative, Timeout: time.Second, ProgressInterval: -1, Origin: origin, HTTP2: tt.http2,
			})
			truth := idleTruth(t, origin)
			truthDiff(t, truth, res, 0)
			viewers := totalsEqualViewers(t, truth, res)
			if len(tt.faults) > 0 && len(truth.Faults) == 0 {
				t.Errorf("the fault never fired")
			}
			for _, r := range origin.Requests() {
				if r.Client != "" && r.Proto != tt.proto {
					t.Fatalf("viewer %s: %s over %s; want %s", r.Client, r.Path, r.Proto, tt.proto)
				}
			}
			var total int64
			for _, n := range viewers {
				total += n
			}
			p := res.Protocols
			if p == nil || p.Engine != loadtest.EngineNative {
				t.Fatalf("Result.Protocols = %+v; want the native engine's", p)
			}
			// Every response the viewers received is one the origin
			// answered with a status (a reset before the response has none).
			var answered int64
			for client, c := range truth.ByClient {
				if client != "" {
					answered += c.Total() - c.Status[0]
				}
			}
			if got := p.Responses[tt.proto]; got != answered || len(p.Responses) != 1 {
				t.Errorf("Result.Protocols.Responses = %v; want %s: %d (the origin answered %d of the viewers' %d requests)", p.Responses, tt.proto, answered, answered, total)
			}
			want := "native viewers spoke HTTP/2 (h2 offered by the origin), one connection each"
			if tt.http2 == loadtest.HTTP2Off {
				want = "native viewers spoke HTTP/1.1 (shared keep-alive pool; Config.HTTP2 off)"
			}
			if !strings.Contains(res.Summary(), want) {
				t.Errorf("Summary has no %q:\n%s", want, res.Summary())
			}
			t.Logf("faults %v; timeouts %d, reconnects %d, segment failures %d, playlist failures %d",
				truth.Faults, res.Totals.Timeouts, res.Totals.Reconnects, res.Totals.SegmentFailures, res.Totals.PlaylistFailures)
		})
	}
}
