package parse

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Timed corpora: ffmpeg 5.1 debug logs captured with -http_persistent 0
// against the fixtures origin, each line prefixed with the seconds since
// ffmpeg started at which the capturing reader got it ("12.0420 <line>").
// Replaying them with those times exercises what depends on timing (the
// pauses that make a close late). <name>.origin.log is the origin's own
// record of the same run: "<time> <kind> <path> <status> <bytes> <duration>".
//
// Names: np_<vod|live>_<ts|fmp4>_<renditions>[_https][_lat150]; 1r runs use
// -map 0:p:N, 2r runs -map 0; lat150 delays every segment response by
// 150 ms at the origin (fixtures.FaultLatency). The ff41_ corpora come from
// the static ffmpeg 4.1 build (@ffmpeg-installer/linux-x64 4.1.0, "N-47683")
// with the viewers' own log flags (repeat+debug, no level prefix): its log
// differs from 5.1's in the demuxer's context name ("hls,applehttp"), no
// "Range: bytes=0-" header on media playlist and segment requests, and no
// "Skip ('#EXT-X-VERSION:3')" lines; the lines the parsers use are the same.
type timedCounts struct {
	name         string
	req          [4]int // by Kind
	latN         [3]int // latencies reported per Kind (manifest, segment, init)
	unattributed int    // segment closes that could not be told apart
	gated        int    // segment closes late because the demuxer was blocked elsewhere
	bytes        int64  // body bytes read, from the Statistics lines
	// segMin and segMax bound every segment latency reported.
	segMin, segMax time.Duration
}

var timedCorpora = []timedCounts{
	{name: "ff41_np_live_fmp4_1r", req: [4]int{11, 13, 10, 0}, latN: [3]int{10, 9, 10}, unattributed: 0, gated: 2, bytes: 309811, segMax: 50 * time.Millisecond},
	{name: "ff41_np_live_ts_2r", req: [4]int{18, 21, 0, 0}, latN: [3]int{17, 7, 0}, unattributed: 8, gated: 8, bytes: 817056, segMax: 50 * time.Millisecond},
	{name: "np_live_fmp4_1r", req: [4]int{18, 20, 17, 0}, latN: [3]int{18, 15, 17}, unattributed: 0, gated: 2, bytes: 877065, segMax: 50 * time.Millisecond},
	{name: "np_live_fmp4_2r", req: [4]int{42, 45, 41, 0}, latN: [3]int{42, 18, 41}, unattributed: 4, gated: 21, bytes: 1582395, segMax: 50 * time.Millisecond},
	{name: "np_live_fmp4_2r_https", req: [4]int{29, 34, 28, 0}, latN: [3]int{29, 0, 28}, unattributed: 10, gated: 24, bytes: 1193597},
	{name: "np_live_ts_1r_https", req: [4]int{16, 19, 0, 0}, latN: [3]int{16, 14, 0}, unattributed: 0, gated: 3, bytes: 507972, segMin: 40 * time.Millisecond, segMax: 100 * time.Millisecond},
	{name: "np_live_ts_1r_lat150", req: [4]int{22, 25, 0, 0}, latN: [3]int{22, 19, 0}, unattributed: 0, gated: 2, bytes: 648749, segMin: 150 * time.Millisecond, segMax: 200 * time.Millisecond},
	{name: "np_live_ts_2r", req: [4]int{42, 45, 0, 0}, latN: [3]int{42, 19, 0}, unattributed: 4, gated: 20, bytes: 1749213, segMax: 50 * time.Millisecond},
	{name: "np_live_ts_2r_lat150", req: [4]int{42, 45, 0, 0}, latN: [3]int{42, 0, 0}, unattributed: 4, gated: 39, bytes: 1749213},
	{name: "np_vod_fmp4_1r", req: [4]int{3, 10, 2, 0}, latN: [3]int{3, 6, 2}, unattributed: 0, gated: 2, bytes: 213958, segMax: 50 * time.Millisecond},
	{name: "np_vod_ts_2r", req: [4]int{3, 16, 0, 0}, latN: [3]int{3, 8, 0}, unattributed: 4, gated: 4, bytes: 619213, segMax: 50 * time.Millisecond},
	{name: "np_vod_ts_2r_lat150", req: [4]int{3, 16, 0, 0}, latN: [3]int{3, 0, 0}, unattributed: 4, gated: 12, bytes: 619213},
}

// runTimed replays a timed corpus through a StderrParser.
func runTimed(t testing.TB, name string) (*Tally, *StderrParser) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/corpus", name+".timed.log"))
	require.NoError(t, err)
	tl := &Tally{}
	p := NewStderrParser(tl, time.UTC, 0)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := bytes.TrimLeft(sc.Bytes(), " ")
		sp := bytes.IndexByte(l, ' ')
		require.Positive(t, sp, "timed line %q", l)
		sec, err := strconv.ParseFloat(string(l[:sp]), 64)
		require.NoError(t, err)
		p.Line(l[sp+1:], base.Add(time.Duration(sec*float64(time.Second))))
	}
	require.NoError(t, sc.Err())
	p.Flush()
	return tl, p
}

func TestTimedCorpora(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.timed.log")
	require.NoError(t, err)
	require.Len(t, timedCorpora, len(files), "every timed corpus needs a row")
	for _, g := range timedCorpora {
		t.Run(g.name, func(t *testing.T) {
			tl, p := runTimed(t, g.name)
			assert.Equal(t, g.req, tl.Requests, "requests by kind")
			want := readOriginLog(t, filepath.Join("testdata/corpus", g.name+".origin.log"), "/")
			assert.Equal(t, want.kinds, tl.Requests, "requests by kind: origin vs parsed")
			assert.Equal(t, g.latN, [3]int{len(tl.Latencies[0]), len(tl.Latencies[1]), len(tl.Latencies[2])}, "latencies")
			assert.Equal(t, g.unattributed, p.segs.unattributed, "unattributed closes")
			assert.Equal(t, g.gated, p.segs.gated, "late closes")
			assert.Equal(t, g.bytes, tl.BytesRead, "bytes read")
			assert.LessOrEqual(t, tl.BytesRead, originBytes(t, g.name), "bytes read vs bytes the origin sent")
			for _, d := range tl.Latencies[KindSegment] {
				assert.GreaterOrEqual(t, d, g.segMin, "segment latency")
				assert.LessOrEqual(t, d, g.segMax, "segment latency")
			}
			for _, k := range []Kind{KindManifest, KindInit} {
				for _, d := range tl.Latencies[k] {
					assert.Less(t, d, 100*time.Millisecond, "%s latency", k)
				}
			}
			if t.Failed() {
				t.Logf("got: req %#v latN [3]int{%d, %d, %d} unattributed %d gated %d; segment latencies %v",
					tl.Requests, len(tl.Latencies[0]), len(tl.Latencies[1]), len(tl.Latencies[2]), p.segs.unattributed, p.segs.gated, tl.Latencies[KindSegment])
			}
		})
	}
}

// originBytes sums the body bytes of an origin log.
func originBytes(t testing.TB, name string) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/corpus", name+".origin.log"))
	require.NoError(t, err)
	var sum int64
	for _, l := range bytes.Split(data, []byte("\n")) {
		f := bytes.Fields(l)
		if len(f) < 5 {
			continue
		}
		n, err := strconv.ParseInt(string(f[4]), 10, 64)
		require.NoError(t, err)
		sum += n
	}
	return sum
}

// TestFFmpeg41ZeroAllocs: the 4.1 corpora ("hls,applehttp" contexts, no
// Range headers) go through the parser without an allocation per line,
// as the 5.1 ones do.
func TestFFmpeg41ZeroAllocs(t *testing.T) {
	for _, name := range []string{"ff41_np_live_ts_2r", "ff41_np_live_fmp4_1r"} {
		data, err := os.ReadFile(filepath.Join("testdata/corpus", name+".timed.log"))
		require.NoError(t, err)
		var lines [][]byte
		for _, l := range bytes.Split(data, []byte("\n")) {
			if _, rest, ok := bytes.Cut(bytes.TrimLeft(l, " "), []byte(" ")); ok {
				lines = append(lines, rest)
			}
		}
		p := NewStderrParser(&benchSink{}, time.UTC, 0)
		run := func() {
			for _, l := range lines {
				p.Line(l, t0)
			}
			p.Flush()
		}
		run()
		assert.Zero(t, testing.AllocsPerRun(3, run), "%s: allocations per pass over %d lines", name, len(lines))
	}
}
