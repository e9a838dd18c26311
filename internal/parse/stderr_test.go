package parse

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

// feed parses a log whose lines start with "+<ms> " (the read time offset in
// milliseconds from t0; lines without it keep the previous time).
func feed(t *testing.T, log string) *Tally {
	t.Helper()
	return feedRW(t, 0, log)
}

// feedRW is feed with a parser that knows the viewer's rw_timeout.
func feedRW(t *testing.T, rwTimeout time.Duration, log string) *Tally {
	t.Helper()
	tl := &Tally{}
	urls := []string{}
	tl.URLs = &urls
	p := NewStderrParser(tl, time.UTC, rwTimeout)
	at := t0
	for _, line := range strings.Split(strings.TrimPrefix(log, "\n"), "\n") {
		line = strings.TrimLeft(line, "\t")
		if strings.HasPrefix(line, "+") {
			sp := strings.IndexByte(line, ' ')
			ms, ok := parseInt([]byte(line[1:sp]))
			require.True(t, ok, line)
			at = t0.Add(time.Duration(ms) * time.Millisecond)
			line = line[sp+1:]
		}
		p.Line([]byte(line), at)
	}
	p.Flush()
	return tl
}

func TestStderrHTTPSAndIPv6Segment(t *testing.T) {
	tl := feed(t, `
		+0 [hls @ 0x10] [verbose] HLS request for url 'https://[::1]:8443/live/v0/seg_1.m4s?token=abc', offset 0, playlist 0
		+0 [hls @ 0x10] [info] Opening 'https://[::1]:8443/live/v0/seg_1.m4s?token=abc' for reading
		+1 [tls @ 0x11] [debug] ssl handshake chatter
		+2 [https @ 0x12] [debug] request: GET /live/v0/seg_1.m4s?token=abc HTTP/1.1
		User-Agent: Lavf/59.27.100 client-3
		X-Hlsswarm-Client: 3

		+3 [https @ 0x12] [warning] HTTP error 503 Service Unavailable
		+4 [tcp @ 0x13] [error] Connection to tcp://[::1]:8443 failed: Connection refused
		+5 [hls @ 0x10] [warning] Failed to open segment 1 of playlist 0`)
	assert.Equal(t, [4]int{0, 1, 0, 0}, tl.Requests)
	assert.Equal(t, []string{"https://[::1]:8443/live/v0/seg_1.m4s?token=abc"}, *tl.URLs)
	assert.Equal(t, map[int]int{503: 1}, tl.HTTPErrors)
	assert.Equal(t, [4]int{0, 1, 0, 0}, tl.HTTPErrorKinds)
	assert.Equal(t, 1, tl.Refused)
	assert.Equal(t, 0, tl.Timeouts, "a request answered with a status is not a timeout")
	assert.Equal(t, 1, tl.SegmentsFailed)
	assert.Equal(t, 1, tl.UnknownLines, "the tls line")
}

func TestStderrInfoLevelCountsOpeningLines(t *testing.T) {
	tl := feed(t, `
		+0 [hls @ 0x10] [info] Opening 'http://127.0.0.1:1/live/v0/index.m3u8' for reading
		+1 [hls @ 0x10] [info] Skip ('#EXT-X-VERSION:3')
		+2 [hls @ 0x10] [info] Opening 'http://127.0.0.1:1/live/v0/a.ts' for reading
		+3 [http @ 0x20] [info] Opening 'http://127.0.0.1:1/live/v0/b.ts' for reading
		+4 [http @ 0x20] [info] Opening 'http://127.0.0.1:1/live/v0/init.mp4' for reading
		+5 [http @ 0x20] [info] Opening 'http://127.0.0.1:1/key.bin' for reading`)
	assert.Equal(t, [4]int{1, 2, 1, 1}, tl.Requests)
	require.Len(t, tl.Latencies[KindManifest], 1)
	assert.Equal(t, time.Millisecond, tl.Latencies[KindManifest][0])
}

func TestStderrRedirectCountsBothRequests(t *testing.T) {
	tl := feed(t, `
		+0 [NULL @ 0x1] [debug] Opening 'http://127.0.0.1:1/master' for reading
		+1 [http @ 0x2] [debug] request: GET /master HTTP/1.1

		+2 [http @ 0x2] [debug] request: GET /real/master.m3u8 HTTP/1.1
		Host: x

		+3 [hls @ 0x1] [info] Skip ('#EXT-X-VERSION:3')`)
	assert.Equal(t, [4]int{2, 0, 0, 0}, tl.Requests)
	assert.Equal(t, []string{"http://127.0.0.1:1/master", "/real/master.m3u8"}, *tl.URLs)
}

func TestStderrDebugOpenWithoutRequestLineIsNotARequest(t *testing.T) {
	tl := feed(t, `
		+0 [debug] Splitting the commandline.
		+0 [NULL @ 0x1] [debug] Opening 'http://[::1]:1/live/master.m3u8' for reading
		+1 [tcp @ 0x3] [error] Connection to tcp://[::1]:1 failed: Connection refused
		+1 [error] http://[::1]:1/live/master.m3u8: Connection refused`)
	assert.Equal(t, [4]int{}, tl.Requests, "the origin never got it")
	assert.Equal(t, 1, tl.Refused, "the tcp line and the summary are one refusal")
	assert.Equal(t, 1, tl.Ends[EndInputFailed])
}

func TestStderrInitLearnedFromDownloadingLine(t *testing.T) {
	tl := feed(t, `
		+0 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/header.mp4', offset 0, playlist 0
		+0 [hls @ 0x10] [info] Opening 'http://h/v0/header.mp4' for reading
		+1 [http @ 0x20] [debug] request: GET /v0/header.mp4 HTTP/1.1

		+3 [hls @ 0x10] [debug] Downloading an initialization section of size 1368
		+4 [AVIOContext @ 0x30] [verbose] Statistics: 1368 bytes read, 0 seeks
		+5 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/s1.mp4', offset 0, playlist 0
		+5 [hls @ 0x10] [info] Opening 'http://h/v0/s1.mp4' for reading
		+6 [http @ 0x21] [debug] request: GET /v0/s1.mp4 HTTP/1.1

		+9 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/header.mp4', offset 0, playlist 0
		+9 [http @ 0x40] [info] Opening 'http://h/v0/header.mp4' for reading
		+9 [http @ 0x20] [debug] request: GET /v0/header.mp4 HTTP/1.1

		+9 [http @ 0x20] [warning] HTTP error 404 Not Found`)
	assert.Equal(t, [4]int{0, 1, 2, 0}, tl.Requests)
	assert.Equal(t, [4]int{0, 0, 1, 0}, tl.HTTPErrorKinds, "the learned init URL keeps its kind")
	assert.Equal(t, []time.Duration{4 * time.Millisecond}, tl.Latencies[KindInit],
		"announcement to the Statistics line closing the synchronous read")
}

func TestStderrSegmentLatencyFromPrefetch(t *testing.T) {
	// Segment 1 and its prefetched successor 2 are requested at once; the
	// request for 3 (no playlist load between) proves 1 ended; the playlist
	// reload before 5 makes the evidence for 2 ambiguous, so none is given.
	tl := feed(t, `
		+0 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/1.ts', offset 0, playlist 0
		+0 [hls @ 0x10] [info] Opening 'http://h/v0/1.ts' for reading
		+1 [http @ 0x21] [debug] request: GET /v0/1.ts HTTP/1.1

		+2 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/2.ts', offset 0, playlist 0
		+2 [hls @ 0x10] [info] Opening 'http://h/v0/2.ts' for reading
		+3 [http @ 0x22] [debug] request: GET /v0/2.ts HTTP/1.1

		+250 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/3.ts', offset 0, playlist 0
		+250 [http @ 0x31] [info] Opening 'http://h/v0/3.ts' for reading
		+251 [http @ 0x21] [debug] request: GET /v0/3.ts HTTP/1.1

		+900 [http @ 0x41] [info] Opening 'http://h/v0/index.m3u8' for reading
		+901 [http @ 0x42] [debug] request: GET /v0/index.m3u8 HTTP/1.1

		+903 [hls @ 0x10] [info] Skip ('#EXT-X-VERSION:3')
		+904 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/4.ts', offset 0, playlist 0
		+904 [http @ 0x31] [info] Opening 'http://h/v0/4.ts' for reading
		+905 [http @ 0x22] [debug] request: GET /v0/4.ts HTTP/1.1
`)
	assert.Equal(t, [4]int{1, 4, 0, 0}, tl.Requests)
	assert.Equal(t, []time.Duration{250 * time.Millisecond}, tl.Latencies[KindSegment])
	assert.Equal(t, []time.Duration{3 * time.Millisecond}, tl.Latencies[KindManifest])
}

func TestStderrBodyCutSegmentHasNoLatency(t *testing.T) {
	tl := feed(t, `
		+0 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/1.ts', offset 0, playlist 0
		+0 [hls @ 0x10] [info] Opening 'http://h/v0/1.ts' for reading
		+1 [http @ 0x21] [debug] request: GET /v0/1.ts HTTP/1.1

		+2 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/2.ts', offset 0, playlist 0
		+2 [hls @ 0x10] [info] Opening 'http://h/v0/2.ts' for reading
		+3 [http @ 0x22] [debug] request: GET /v0/2.ts HTTP/1.1

		+40 [http @ 0x21] [error] Stream ends prematurely at 36660, should be 73320
		+41 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/3.ts', offset 0, playlist 0
		+41 [http @ 0x31] [info] Opening 'http://h/v0/3.ts' for reading
		+41 [http @ 0x21] [debug] request: GET /v0/3.ts HTTP/1.1

		+42 [hls @ 0x10] [info] Opening 'http://h/v0/3.ts' for reading
		+43 [http @ 0x51] [debug] request: GET /v0/3.ts HTTP/1.1
`)
	assert.Equal(t, [4]int{0, 3, 0, 0}, tl.Requests, "the write to the dead connection is not a request")
	assert.Equal(t, 1, tl.BodyCuts)
	assert.Equal(t, [3]int{0, 0, 0}, tl.Reconnects, "the retry after the cut is part of the cut, reported once (BodyCut)")
	assert.Empty(t, tl.Latencies[KindSegment])
}

func TestStderrTimeoutThenSilentRetryTimeout(t *testing.T) {
	tl := feedRW(t, 2*time.Second, `
		+0 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/7.ts', offset 0, playlist 0
		+0 [http @ 0x11] [info] Opening 'http://h/v0/7.ts' for reading
		+0 [http @ 0x12] [debug] request: GET /v0/7.ts HTTP/1.1

		+2000 [hls @ 0x10] [warning] keepalive request failed for 'http://h/v0/7.ts' with error: 'Connection timed out' when opening url, retrying with new connection
		+2000 [hls @ 0x10] [info] Opening 'http://h/v0/7.ts' for reading
		+2001 [http @ 0x13] [debug] request: GET /v0/7.ts HTTP/1.1

		+4001 [hls @ 0x10] [warning] Failed to open segment 7 of playlist 0`)
	assert.Equal(t, [4]int{0, 2, 0, 0}, tl.Requests)
	assert.Equal(t, 2, tl.Timeouts)
	assert.Equal(t, [3]int{1, 0, 0}, tl.Reconnects)
	assert.Equal(t, 1, tl.SegmentsFailed)
}

// TestStderrSilentSegmentFailure checks the rule for a segment that fails
// after its request without any error text (ffmpeg 5.1 prints the same
// lines for a reset before the response and for an rw_timeout expiry): a
// timeout only when it failed at least the rw_timeout after its request.
func TestStderrSilentSegmentFailure(t *testing.T) {
	log := func(failAt int) string {
		return `
		+0 [hls @ 0x10] [verbose] HLS request for url 'http://h/v0/7.ts', offset 0, playlist 0
		+0 [hls @ 0x10] [info] Opening 'http://h/v0/7.ts' for reading
		+1 [http @ 0x13] [debug] request: GET /v0/7.ts HTTP/1.1
		Connection: close

		+` + strconv.Itoa(failAt) + ` [hls @ 0x10] [warning] Failed to open segment 7 of playlist 0`
	}
	for _, tc := range []struct {
		name     string
		rw       time.Duration
		failAt   int // ms
		timeouts int
	}{
		{"reset", 1500 * time.Millisecond, 2, 0},
		{"timeout", 1500 * time.Millisecond, 1603, 1},
		{"unknown rw_timeout", 0, 1603, 0},
		{"well short of rw_timeout", 5 * time.Second, 1603, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := feedRW(t, tc.rw, log(tc.failAt))
			assert.Equal(t, [4]int{0, 1, 0, 0}, tl.Requests)
			assert.Equal(t, tc.timeouts, tl.Timeouts, "timeouts")
			assert.Equal(t, 1, tl.SegmentsFailed)
		})
	}
}

func TestStderrDatetimePrefix(t *testing.T) {
	tl := feed(t, `
		+500 2026-11-27 02:00:00.100 [hls @ 0x10] [info] Opening 'http://h/v0/index.m3u8' for reading
		+500 2026-11-27 02:00:00.120 [http @ 0x12] [debug] request: GET /v0/index.m3u8 HTTP/1.1

		+500 02:00:00.137 [hls @ 0x10] [info] Skip ('#EXT-X-VERSION:3')`)
	assert.Equal(t, [4]int{1, 0, 0, 0}, tl.Requests)
	assert.Equal(t, []time.Duration{37 * time.Millisecond}, tl.Latencies[KindManifest],
		"the line's own timestamps, not the read times")
}

func TestStderrEndsAndOthers(t *testing.T) {
	tl := feed(t, `
		[hls @ 0x10] [warning] skipping 5 segments ahead, expired from playlists
		[hls @ 0x10] [debug] Media sequence change (90 -> 91) reflected in first_timestamp: 1 -> 2
		[hls @ 0x10] [warning] Failed to reload playlist 0
		[hls @ 0x10] [warning] parse_playlist error Connection timed out [http://h/v0/index.m3u8]
		[hls @ 0x10] [warning] Empty segment [http://h/v0/index.m3u8]
		[http @ 0x12] [warning] Will reconnect at 1234 in 0 second(s), error=End of file.
		[info] frame=  181 fps= 90 q=-1.0 size=N/A time=00:00:06.01 bitrate=N/A speed=2.99x
		[verbose] No more output streams to write to, finishing.
		[info] Exiting normally, received signal 15.
		[warning] http://h/v0/index.m3u8: corrupt input packet in stream 0
		[error] http://h/v0/index.m3u8: Immediate exit requested
		[fatal] Stream map '0' matches no streams.
		Exiting normally, received signal 2.`)
	assert.Equal(t, 5, tl.Skipped)
	assert.Equal(t, 1, tl.SeqChanges)
	assert.Equal(t, 2, tl.PlaylistsFailed)
	assert.Equal(t, 1, tl.Timeouts)
	assert.Equal(t, [3]int{0, 0, 1}, tl.Reconnects)
	assert.Equal(t, [4]int{1, 3, 0, 1}, tl.Ends)
	assert.Equal(t, 1, tl.UnknownLines, "the corrupt packet warning")
}

func TestStderrWithoutLevelPrefix(t *testing.T) {
	// internal/ffmpeg asks for no level prefix (a line is then two writes
	// rather than three); the fatal end of input is known by its text.
	tl := feed(t, `
		[hls @ 0x10] skipping 5 segments ahead, expired from playlists
		[hls @ 0x10] Failed to reload playlist 0
		Exiting normally, received signal 15.
		Stream map '0' matches no streams.`)
	assert.Equal(t, 5, tl.Skipped)
	assert.Equal(t, 1, tl.PlaylistsFailed)
	assert.Equal(t, [4]int{0, 1, 0, 1}, tl.Ends)
	assert.Zero(t, tl.UnknownLines)
}

func TestClassifyURL(t *testing.T) {
	for url, want := range map[string]Kind{
		"http://h/a/master.m3u8":          KindManifest,
		"http://h/a/index.M3U8?x=1":       KindManifest,
		"http://h/a/seg_1.ts":             KindSegment,
		"http://h/a/seg_1.ts?client=7#f":  KindSegment,
		"https://[::1]:9/a/chunk.m4s":     KindSegment,
		"/a/audio_3.aac":                  KindSegment,
		"/a/sub_3.vtt":                    KindSegment,
		"/a/seg.mp4":                      KindSegment,
		"/a/init_0.mp4":                   KindInit,
		"/a/INIT.m4s":                     KindInit,
		"/a/key.bin":                      KindUnknown,
		"/a/noext":                        KindUnknown,
		"http://h":                        KindUnknown,
		"http://h/a.ts/b.m3u8?q=seg.ts":   KindManifest,
		"http://h/v/segment.verylongname": KindUnknown,
	} {
		assert.Equal(t, want, ClassifyURL([]byte(url)), url)
	}
}

func TestDatetimePrefixForms(t *testing.T) {
	ref := time.Date(2026, 11, 27, 0, 0, 5, 0, time.UTC)
	got, rest, ok := datetimePrefix([]byte("23:59:59.900 [info] x"), ref, time.UTC)
	require.True(t, ok)
	assert.Equal(t, time.Date(2026, 11, 26, 23, 59, 59, 900e6, time.UTC), got, "time-only near midnight belongs to the closer day")
	assert.Equal(t, "[info] x", string(rest))
	_, _, ok = datetimePrefix([]byte("2026-11-27 0x:00:00.000 [info] x"), ref, time.UTC)
	assert.False(t, ok)
	_, _, ok = datetimePrefix([]byte("12345 not a time at all"), ref, time.UTC)
	assert.False(t, ok)
}

func TestStderrReloadAfterConnectionCloseIsNotADeadRetry(t *testing.T) {
	// The reload on the reused connection was answered (its playlist was
	// parsed) with "Connection: close", so the next reload opens a new
	// connection: two requests, no reconnect.
	tl := feed(t, `
		+0 [http @ 0x11] [info] Opening 'http://h/v0/index.m3u8' for reading
		+1 [http @ 0x12] [debug] request: GET /v0/index.m3u8 HTTP/1.1

		+2 [hls @ 0x10] [info] Skip ('#EXT-X-VERSION:3')
		+2000 [hls @ 0x10] [debug] Opening 'http://h/v0/index.m3u8' for reading
		+2001 [http @ 0x13] [debug] request: GET /v0/index.m3u8 HTTP/1.1
`)
	assert.Equal(t, [4]int{2, 0, 0, 0}, tl.Requests)
	assert.Equal(t, [3]int{}, tl.Reconnects)
}

func TestStderrFFmpeg7InputErrors(t *testing.T) {
	tl := feed(t, `
		[NULL @ 0x1] [debug] Opening 'http://h/master.m3u8' for reading
		[http @ 0x2] [debug] request: GET /master.m3u8 HTTP/1.1

		[in#0 @ 0x3] [error] Error opening input: Connection timed out
		[error] Error opening input file http://h/master.m3u8.
		[fatal] Error opening input files: Connection timed out`)
	assert.Equal(t, [4]int{1, 0, 0, 0}, tl.Requests)
	assert.Equal(t, 1, tl.Timeouts, "one timeout however often it is repeated")
	assert.Positive(t, tl.Ends[EndInputFailed])
}

func TestStderrInfoLevelRefusedOpenIsNotARequest(t *testing.T) {
	tl := feed(t, `
		[hls @ 0x10] [info] Opening 'http://h/v0/1.ts' for reading
		[tcp @ 0x3] [error] Connection to tcp://127.0.0.1:1 failed: Connection refused
		[hls @ 0x10] [warning] Failed to open segment 1 of playlist 0
		[hls @ 0x10] [info] Opening 'http://h/v0/2.ts' for reading`)
	assert.Equal(t, [4]int{0, 1, 0, 0}, tl.Requests)
	assert.Equal(t, 1, tl.Refused)
	assert.Equal(t, 0, tl.Timeouts)
}
