//go:build linux

package pump

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/parse"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runLiveViewer runs one ffmpeg viewer of url with -http_persistent 0 for
// d, stops it with SIGTERM and parses its output. It returns the tally, the
// line counts and the parser's segment tracker (for its counts of closes it
// could not attribute or that came late). With poll > 0 the outputs are
// SOCK_SEQPACKET sockets (as internal/ffmpeg makes them on Linux) read by
// a Poller with that Interval; else pipes read by a Pipeline.
func runLiveViewer(t *testing.T, ffmpeg, url, mapArg string, d, poll time.Duration) (*parse.Tally, Counts, closes) {
	t.Helper()
	if poll > 0 {
		return runPolledViewer(t, ffmpeg, url, mapArg, d, poll)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-nostats",
		"-loglevel", "repeat+level+debug", "-progress", "pipe:3", "-stats_period", "1",
		"-protocol_whitelist", "http,https,tcp,tls,crypto", "-rw_timeout", "5000000", "-http_persistent", "0",
		"-i", url, "-map", mapArg, "-c", "copy", "-f", "null", "-")
	cmd.ExtraFiles = []*os.File{pw}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	require.NoError(t, pw.Close())
	tl := &parse.Tally{}
	p := Start(stderr, pr, tl, Options{})
	stop := time.AfterFunc(d, func() {
		// ffmpeg waiting for a live reload needs a second SIGTERM.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		time.Sleep(500 * time.Millisecond)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	})
	defer stop.Stop()
	c, perr := p.Wait()
	_ = cmd.Wait() // exit status 255 after a signal
	require.NoError(t, pr.Close())
	require.NoError(t, perr)
	return tl, c, closesOf(p.stderr)
}

func liveViewerCmd(ctx context.Context, ffmpeg, url, mapArg string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-nostats",
		"-loglevel", "repeat+level+debug", "-progress", "pipe:3", "-stats_period", "1",
		"-protocol_whitelist", "http,https,tcp,tls,crypto", "-rw_timeout", "5000000", "-http_persistent", "0",
		"-i", url, "-map", mapArg, "-c", "copy", "-f", "null", "-")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd
}

func runPolledViewer(t *testing.T, ffmpeg, url, mapArg string, d, poll time.Duration) (*parse.Tally, Counts, closes) {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	poller, err := NewPoller(PollerOptions{Interval: poll})
	require.NoError(t, err)
	defer poller.Close()
	er, ew := newSeqPacket(t)
	pr, pw := newSeqPacket(t)
	cmd := liveViewerCmd(ctx, ffmpeg, url, mapArg)
	cmd.Stderr = ew
	cmd.ExtraFiles = []*os.File{pw}
	require.NoError(t, cmd.Start())
	require.NoError(t, ew.Close())
	require.NoError(t, pw.Close())
	tl := &parse.Tally{}
	r, err := poller.Add(er, pr, tl)
	require.NoError(t, err)
	stop := time.AfterFunc(d, func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		time.Sleep(500 * time.Millisecond)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	})
	defer stop.Stop()
	c, perr := r.Wait()
	_ = cmd.Wait()
	require.NoError(t, perr)
	return tl, c, closesOf(r.stderr)
}

// closes are a stderr parser's connection closes it could not use (see
// parse.StderrParser.Closes).
type closes struct{ unattributed, gated int }

func closesOf(p *parse.StderrParser) closes {
	var c closes
	c.unattributed, c.gated = p.Closes()
	return c
}

// originKinds counts the origin's requests by parse Kind.
func originKinds(o *fixtures.Origin) (k [4]int, errors int) {
	for _, r := range o.Requests() {
		switch r.Kind {
		case fixtures.KindMaster, fixtures.KindMedia:
			k[parse.KindManifest]++
		case fixtures.KindSegment:
			k[parse.KindSegment]++
		case fixtures.KindInit:
			k[parse.KindInit]++
		default:
			k[parse.KindUnknown]++
		}
		if r.Status >= 400 {
			errors++
		}
	}
	return k, errors
}

// schedulingSlack bounds how much later than the origin's hold a latency
// may end on a busy machine: ffmpeg logs a close only when it is scheduled
// again after reading the body, and on a 2-core machine with other fleets
// beside it that took up to ~150 ms. It stays far below a reload wait (a
// target duration, 1 s, in the fixture), which is what a latency that
// wrongly spanned two requests would include.
const schedulingSlack = 300 * time.Millisecond

// TestRealFFmpegNoKeepAliveLatency plays one rendition of a live stream
// whose segment responses the origin holds back 150 ms: every segment
// latency reported is at least 150 ms (140 ms with stamps taken at read
// time) and at most the hold plus the scheduling slack, and nearly every
// segment request gets one.
func TestRealFFmpegNoKeepAliveLatency(t *testing.T) {
	t.Run("pipeline", func(t *testing.T) { testNoKeepAliveLatency(t, 0) })
	// One goroutine polls every 100 ms, yet the kernel's stamps of the
	// socket messages keep the latencies as exact.
	t.Run("poller", func(t *testing.T) { testNoKeepAliveLatency(t, 100*time.Millisecond) })
}

func testNoKeepAliveLatency(t *testing.T, poll time.Duration) {
	ffmpeg := findFFmpeg(t)
	t.Parallel()
	const delay = 150 * time.Millisecond
	o, err := fixtures.New(fixtures.Live{Window: 5}, fixtures.WithFaults(fixtures.Fault{
		Type: fixtures.FaultLatency, Delay: delay, Kinds: []fixtures.Kind{fixtures.KindSegment}}))
	require.NoError(t, err)
	require.NoError(t, o.Start())
	defer o.Close()

	tl, c, segs := runLiveViewer(t, ffmpeg, o.URL(), "0:p:0", 12*time.Second, poll)
	o.Close() // every handler has returned: the record is complete

	want, errs := originKinds(o)
	assert.Equal(t, want, tl.Requests, "requests by kind: origin vs parsed")
	assert.Zero(t, errs)
	assert.Empty(t, tl.HTTPErrors)
	assert.Zero(t, c.StderrDropped+c.ProgressDropped)
	// Kernel write stamps (poller over sockets) never make a latency
	// shorter than the origin's hold; stamps taken when a line is read
	// (pipeline) may, by the reader's scheduling delay for the request line.
	low := delay
	if poll == 0 {
		low = delay - 10*time.Millisecond
	}
	lat := tl.Latencies[parse.KindSegment]
	for _, d := range lat {
		assert.GreaterOrEqual(t, d, low, "segment latency")
		assert.LessOrEqual(t, d, delay+schedulingSlack, "segment latency")
	}
	// Without latency: the other rendition's two segments ffmpeg opens
	// while probing, the segment open at the stop, and closes that came
	// late (the demuxer was blocked on another request). On a quiet
	// machine that is at most 6 of about 13; beside other fleets 7 of 16
	// were seen, so the share is logged (a fleet reports it as
	// segment_latency_coverage) and the test asks only that the
	// mechanism works: latencies for several segments.
	missing := tl.Requests[parse.KindSegment] - len(lat)
	assert.GreaterOrEqual(t, len(lat), 3, "segment requests with a latency")
	assert.LessOrEqual(t, segs.unattributed, 2, "closes not attributed")
	t.Logf("segment requests %d, latencies %d (%d late, %d unattributed, %d other): %v",
		tl.Requests[parse.KindSegment], len(lat), segs.gated, segs.unattributed, missing-segs.gated-segs.unattributed, lat)
}

// TestRealFFmpegNoKeepAliveTwoRenditions plays both renditions of a live
// stream (-map 0). ffmpeg 5.1's one demuxer thread reads a rendition's
// segment to its end only when it needs that rendition's next packet, which
// can be after a reload wait of the other rendition: such late closes get
// no latency, and none of the latencies reported includes a reload wait.
// How many segments get one depends on how ffmpeg's reads interleave, so
// on the machine's load: about a third alone, 1 of 26 beside other fleets
// on 2 cores. The test asserts what holds under any load (counts equal
// the origin's, no latency spans a reload wait) and logs the share; a
// fleet reports it as segment_latency_coverage.
func TestRealFFmpegNoKeepAliveTwoRenditions(t *testing.T) {
	ffmpeg := findFFmpeg(t)
	t.Parallel()
	o, err := fixtures.New(fixtures.Live{Window: 5})
	require.NoError(t, err)
	require.NoError(t, o.Start())
	defer o.Close()

	tl, c, segs := runLiveViewer(t, ffmpeg, o.URL(), "0", 12*time.Second, 0)
	o.Close()

	want, errs := originKinds(o)
	assert.Equal(t, want, tl.Requests, "requests by kind: origin vs parsed")
	assert.Zero(t, errs)
	assert.Zero(t, c.StderrDropped+c.ProgressDropped)
	lat := tl.Latencies[parse.KindSegment]
	for _, d := range lat {
		assert.Less(t, d, schedulingSlack, "segment latency (loopback, no fault): no reload wait in it")
	}
	assert.GreaterOrEqual(t, len(tl.Latencies[parse.KindManifest]), tl.Requests[parse.KindManifest]-1, "playlist requests with latency (all but one cut by the stop)")
	t.Logf("segment requests %d, latencies %d, late %d, unattributed %d; playlist latencies %d of %d",
		tl.Requests[parse.KindSegment], len(lat), segs.gated, segs.unattributed, len(tl.Latencies[parse.KindManifest]), tl.Requests[parse.KindManifest])
}
