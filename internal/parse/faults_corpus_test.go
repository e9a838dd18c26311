package parse

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fault corpora (testdata/faults): ffmpeg 5.1 debug logs of one viewer
// (-map 0:p:0 of a fixtures live origin, stopped with SIGTERM after 16 s)
// while the origin injected one fault into every 4th segment response, at
// most 2 or 3 times. <name>.timed.log is the log as in the timed corpora
// (seconds since ffmpeg started, then the line); <name>.origin.log is the
// origin's record: "<seconds> <kind> <path> <status> <bytes> <duration>
// ttfb=<ttfb> fault=<type>". Names: <ka|np>_<fault>, ka with keep-alive
// (-http_persistent 1), np without; reset0 resets before the response,
// reset_mid after 5000 body bytes, hstall holds the headers 3 s against a
// 1.5 s rw_timeout, trunc closes after 5000 body bytes.
type faultCounts struct {
	name       string
	rwTimeout  time.Duration // the viewer's -rw_timeout
	req        [4]int        // by Kind
	reconnects [3]int        // by Cause
	timeouts   int
	cuts       int
	segFailed  int
}

var faultCorpora = []faultCounts{
	// Two resets leave the next request on the dead connection to fail
	// at its write (Broken pipe): a reconnect, not a request.
	// Header stalls: the origin recorded 2 requests without status. One
	// on a reused connection says "Connection timed out" (a timeout and a
	// reconnect); one (a probe of the other rendition at the start, on a
	// new connection) fails the segment silently 1.6 s after its request,
	// past the 1.5 s rw_timeout: a timeout too.
	{name: "ka_hstall", rwTimeout: 1500 * time.Millisecond, req: [4]int{18, 23, 0, 0}, reconnects: [3]int{1, 0, 0}, timeouts: 2, segFailed: 1},
	{name: "np_hstall", rwTimeout: 1500 * time.Millisecond, req: [4]int{18, 22, 0, 0}, timeouts: 2, segFailed: 2},
	// Resets before the response: the same silent "Failed to open segment"
	// (without keep-alive, and for a request on a new connection), but at
	// once: a failed segment, not a timeout. On a reused connection,
	// "Connection reset by peer" and a retry: a reconnect.
	{name: "ka_reset0", rwTimeout: 5 * time.Second, req: [4]int{19, 24, 0, 0}, reconnects: [3]int{2, 0, 0}, segFailed: 1},
	{name: "np_reset0", rwTimeout: 5 * time.Second, req: [4]int{21, 22, 0, 0}, segFailed: 3},
	// Truncated bodies: "Stream ends prematurely" (a BodyCut) in both
	// modes (the third truncation hit the other rendition's probe, which
	// ffmpeg dropped unread). With keep-alive the next request on that
	// connection is retried silently: part of the same incident, not a
	// second reconnect.
	{name: "ka_trunc", rwTimeout: 5 * time.Second, req: [4]int{19, 21, 0, 0}, cuts: 2},
	{name: "np_trunc", rwTimeout: 5 * time.Second, req: [4]int{19, 21, 0, 0}, cuts: 2},
	{name: "ka_reset_mid", rwTimeout: 5 * time.Second, req: [4]int{19, 21, 0, 0}, reconnects: [3]int{2, 0, 0}},
}

// originRecord is one line of a fault corpus' origin log.
type originRecord struct {
	kind   Kind
	status int
	fault  string
}

func readFaultOrigin(t *testing.T, name string) []originRecord {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata/faults", name+".origin.log"))
	require.NoError(t, err)
	defer f.Close()
	var recs []originRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		require.GreaterOrEqual(t, len(fs), 8, "origin line %q", sc.Text())
		r := originRecord{kind: KindUnknown, fault: strings.TrimPrefix(fs[7], "fault=")}
		switch fs[1] {
		case "master", "media":
			r.kind = KindManifest
		case "segment":
			r.kind = KindSegment
		case "init":
			r.kind = KindInit
		}
		r.status, err = strconv.Atoi(fs[3])
		require.NoError(t, err)
		recs = append(recs, r)
	}
	require.NoError(t, sc.Err())
	return recs
}

// runFaultCorpus replays a fault corpus with its times through a
// StderrParser that knows the viewer's rw_timeout.
func runFaultCorpus(t *testing.T, g faultCounts) *Tally {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/faults", g.name+".timed.log"))
	require.NoError(t, err)
	tl := &Tally{}
	p := NewStderrParser(tl, time.UTC, 0)
	p.rwTimeout = g.rwTimeout
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := strings.TrimLeft(sc.Text(), " ")
		sp := strings.IndexByte(l, ' ')
		require.Positive(t, sp, "timed line %q", l)
		sec, err := strconv.ParseFloat(l[:sp], 64)
		require.NoError(t, err)
		p.Line([]byte(l[sp+1:]), base.Add(time.Duration(sec*float64(time.Second))))
	}
	require.NoError(t, sc.Err())
	p.Flush()
	return tl
}

// TestFaultCorpora checks each fault corpus against its golden counts and
// the origin's record: every request the origin saw is counted once by
// kind, and no request it never received is counted.
func TestFaultCorpora(t *testing.T) {
	files, err := filepath.Glob("testdata/faults/*.timed.log")
	require.NoError(t, err)
	require.Len(t, faultCorpora, len(files), "every fault corpus needs a row")
	for _, g := range faultCorpora {
		t.Run(g.name, func(t *testing.T) {
			tl := runFaultCorpus(t, g)
			var origin [4]int
			for _, r := range readFaultOrigin(t, g.name) {
				origin[r.kind]++
			}
			assert.Equal(t, origin, tl.Requests, "requests by kind: origin vs parsed")
			assert.Equal(t, g.req, tl.Requests, "requests by kind")
			assert.Equal(t, g.reconnects, tl.Reconnects, "reconnects by cause")
			assert.Equal(t, g.timeouts, tl.Timeouts, "timeouts")
			assert.Equal(t, g.cuts, tl.BodyCuts, "bodies cut")
			assert.Equal(t, g.segFailed, tl.SegmentsFailed, "segments failed")
			if t.Failed() {
				t.Logf("got: req %#v reconnects %#v timeouts %d cuts %d segFailed %d", tl.Requests, tl.Reconnects, tl.Timeouts, tl.BodyCuts, tl.SegmentsFailed)
			}
		})
	}
}
