package parse

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// closeLog builds a -http_persistent 0 log from a compact script, one step
// per element, each at the given millisecond:
//
//	"<ms> seg <playlist> <name>"   announce, open and request a segment
//	"<ms> pl <name>"               open, request and close a playlist
//	"<ms> close"                   a Statistics line
//	"<ms> drop <playlist>"         No longer receiving playlist
//	"<ms> probed"                  Input #0: ffmpeg finished probing
func closeLog(p *StderrParser, script ...string) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, step := range script {
		f := strings.Fields(step)
		var ms int
		fmt.Sscan(f[0], &ms)
		at := base.Add(time.Duration(ms) * time.Millisecond)
		line := func(s string) { p.Line([]byte(s), at) }
		switch f[1] {
		case "seg":
			url := "http://h/v" + f[2] + "/" + f[3]
			line("[hls @ 0x1] [verbose] HLS request for url '" + url + "', offset 0, playlist " + f[2])
			line("[hls @ 0x1] [info] Opening '" + url + "' for reading")
			line("[http @ 0x2] [debug] request: GET /v" + f[2] + "/" + f[3] + " HTTP/1.1")
			line("Connection: close")
			line("")
		case "pl":
			line("[hls @ 0x1] [info] Opening 'http://h/" + f[2] + "/index.m3u8' for reading")
			line("[http @ 0x2] [debug] request: GET /" + f[2] + "/index.m3u8 HTTP/1.1")
			line("Connection: close")
			line("")
			line("[AVIOContext @ 0x3] [verbose] Statistics: 200 bytes read, 0 seeks")
		case "close":
			line("[AVIOContext @ 0x4] [verbose] Statistics: 1000 bytes read, 0 seeks")
		case "drop":
			line("[hls @ 0x1] [info] No longer receiving playlist " + f[2] + " ('http://h/x/index.m3u8')")
		case "probed":
			line("[info] Input #0, hls, from 'http://h/master.m3u8':")
		}
	}
}

func TestSegmentCloses(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name         string
		script       []string
		want         []time.Duration
		unattributed int
		gated        int
	}{
		{"one playlist: every close is its oldest",
			[]string{"0 seg 0 a.ts", "1 seg 0 b.ts", "3 close", "3 seg 0 c.ts", "4 close", "4 seg 0 d.ts"},
			[]time.Duration{3 * ms, 3 * ms}, 0, 0},
		{"two playlists: the next announcement names the playlist",
			[]string{"0 seg 0 a.ts", "1 seg 1 a.ts", "2 close", "2 pl v1", "3 seg 1 b.ts", "4 close", "4 seg 0 b.ts"},
			[]time.Duration{1 * ms, 4 * ms}, 0, 0},
		{"two closes in a row: unattributed until a reload makes the playlist known",
			[]string{"0 seg 0 a.ts", "1 seg 1 a.ts", "2 close", "3 close", "4 pl v0", "4 seg 0 b.ts", "5 close", "6 pl v0", "6 seg 0 c.ts"},
			[]time.Duration{1 * ms}, 2, 0},
		{"a pause while blocked on another request: the close is late",
			[]string{"0 seg 0 a.ts", "1 seg 1 a.ts", "100 close", "100 seg 1 b.ts", "300 close", "300 seg 0 b.ts"},
			[]time.Duration{99 * ms}, 0, 1},
		{"a dropped playlist's close is no completion",
			[]string{"0 seg 0 a.ts", "1 seg 1 a.ts", "2 close", "2 drop 1", "3 close", "3 seg 0 b.ts"},
			[]time.Duration{3 * ms}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := &Tally{}
			p := NewStderrParser(tl, time.UTC, 0)
			closeLog(p, append([]string{"0 probed"}, tt.script...)...)
			p.Flush()
			assert.Equal(t, tt.want, tl.Latencies[KindSegment], "segment latencies")
			assert.Equal(t, tt.unattributed, p.segs.unattributed, "unattributed")
			assert.Equal(t, tt.gated, p.segs.gated, "late")
			assert.Len(t, tl.Latencies[KindManifest], tl.Requests[KindManifest], "playlist latencies")
		})
	}
}

// TestSegmentClosesWhileProbing: segments opened before ffmpeg finished
// probing the input were read as probing needed them, across renditions,
// so their closes are no completions (the first segment's close came 248 ms
// after a 150 ms origin hold on a busy machine): they get no latency and
// count as late; those opened after it do.
func TestSegmentClosesWhileProbing(t *testing.T) {
	t.Parallel()
	const ms = time.Millisecond
	tl := &Tally{}
	p := NewStderrParser(tl, time.UTC, 0)
	closeLog(p, "0 seg 0 a.ts", "248 close", "248 seg 0 b.ts", "250 close", "250 probed", "300 seg 0 c.ts", "303 close")
	p.Flush()
	assert.Equal(t, []time.Duration{3 * ms}, tl.Latencies[KindSegment], "segment latencies")
	assert.Equal(t, 2, p.segs.gated, "late")
	assert.Equal(t, 3, tl.Requests[KindSegment], "segment requests")
}
