//go:build linux

package pump

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hlsswarm/hlsswarm/internal/parse"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// These tests run the real ffmpeg against a tiny local origin and compare
// what the parsers report with what the origin saw. They are skipped
// without ffmpeg and in -short mode.

func findFFmpeg(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	return testkit.FFmpeg(t)
}

// makeHLS encodes a short VOD (six 1 s segments) into dir.
func makeHLS(t *testing.T, ffmpeg, dir string, fmp4 bool) {
	t.Helper()
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-f", "lavfi", "-i", "sine=frequency=440",
		"-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-c:a", "aac",
		"-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-hls_segment_filename"}
	if fmp4 {
		args = append(args, filepath.Join(dir, "seg_%d.m4s"), "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4")
	} else {
		args = append(args, filepath.Join(dir, "seg_%d.ts"))
	}
	args = append(args, filepath.Join(dir, "index.m3u8"))
	out, err := exec.Command(ffmpeg, args...).CombinedOutput()
	require.NoError(t, err, "encoding test content: %s", out)
}

// origin serves dir, holds every response body back by bodyDelay after the
// headers, answers 404 for paths in missing, and logs each request.
type origin struct {
	dir       string
	bodyDelay time.Duration
	missing   map[string]bool
	mu        sync.Mutex
	kinds     [4]int
	status    map[int]int
}

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	k := parse.ClassifyURL([]byte(r.URL.Path))
	if name == "init.mp4" {
		k = parse.KindInit
	}
	code := http.StatusOK
	data, err := os.ReadFile(filepath.Join(o.dir, filepath.Base(name)))
	if err != nil || o.missing[name] {
		code = http.StatusNotFound
	}
	o.mu.Lock()
	o.kinds[k]++
	o.status[code]++
	o.mu.Unlock()
	if code != http.StatusOK {
		http.Error(w, "no", code)
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(code)
	w.(http.Flusher).Flush()
	if k != parse.KindManifest {
		time.Sleep(o.bodyDelay)
	}
	_, _ = w.Write(data)
}

// runViewer runs one ffmpeg viewer of url to the end and parses it.
func runViewer(t *testing.T, ffmpeg, url string) (*parse.Tally, Counts) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-nostats",
		"-loglevel", "repeat+level+debug", "-progress", "pipe:3", "-stats_period", "0.5",
		"-rw_timeout", "5000000", "-i", url, "-map", "0", "-c", "copy", "-f", "null", "-")
	cmd.ExtraFiles = []*os.File{pw}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	require.NoError(t, pw.Close()) // the child holds its own copy
	tl := &parse.Tally{}
	p := Start(stderr, pr, tl, Options{})
	c, perr := p.Wait() // before cmd.Wait, which would close stderr
	werr := cmd.Wait()
	require.NoError(t, pr.Close())
	require.NoError(t, perr)
	require.NoError(t, werr)
	return tl, c
}

func TestRealFFmpegFMP4LatencyAndCounts(t *testing.T) {
	ffmpeg := findFFmpeg(t)
	dir := t.TempDir()
	makeHLS(t, ffmpeg, dir, true)
	o := &origin{dir: dir, bodyDelay: 150 * time.Millisecond, status: map[int]int{}}
	srv := httptest.NewServer(o)
	defer srv.Close()

	tl, c := runViewer(t, ffmpeg, srv.URL+"/index.m3u8")

	assert.Equal(t, o.kinds, tl.Requests, "requests by kind: origin vs parsed")
	assert.Equal(t, 1, tl.Ends[parse.EndFinished])
	assert.Equal(t, 1, tl.Ends[parse.EndProgress])
	assert.Zero(t, c.StderrDropped+c.ProgressDropped)
	assert.Positive(t, tl.ProgressBlocks)
	assert.Equal(t, 6*time.Second, tl.LastProgress.OutTime.Round(time.Second))

	// Every body was held back 150 ms: a latency below that would be wrong.
	require.NotEmpty(t, tl.Latencies[parse.KindSegment])
	require.Len(t, tl.Latencies[parse.KindInit], 1)
	for _, k := range []parse.Kind{parse.KindSegment, parse.KindInit} {
		for _, d := range tl.Latencies[k] {
			assert.GreaterOrEqual(t, d, 150*time.Millisecond, "%s latency", k)
			assert.Less(t, d, 5*time.Second, "%s latency", k)
		}
	}
	t.Logf("requests %v, latencies: segment %v init %v manifest %v", tl.Requests,
		tl.Latencies[parse.KindSegment], tl.Latencies[parse.KindInit], tl.Latencies[parse.KindManifest])
}

func TestRealFFmpegMissingSegment(t *testing.T) {
	ffmpeg := findFFmpeg(t)
	dir := t.TempDir()
	makeHLS(t, ffmpeg, dir, false)
	o := &origin{dir: dir, missing: map[string]bool{"seg_2.ts": true, "seg_3.ts": true}, status: map[int]int{}}
	srv := httptest.NewServer(o)
	defer srv.Close()

	tl, _ := runViewer(t, ffmpeg, srv.URL+"/index.m3u8")

	assert.Equal(t, o.kinds, tl.Requests, "requests by kind: origin vs parsed")
	assert.Equal(t, o.status[http.StatusNotFound], tl.HTTPErrors[404], "404s: origin vs parsed")
	assert.Equal(t, o.status[http.StatusNotFound], tl.HTTPErrorKinds[parse.KindSegment])
	assert.Equal(t, 2, tl.SegmentsFailed, "each missing segment once")
	assert.Zero(t, tl.Timeouts)
	t.Logf("origin %v %v; parsed %v %v, reconnects %v", o.kinds, o.status, tl.Requests, tl.HTTPErrors, tl.Reconnects)
}

// liveOrigin serves a two-rendition live stream cut from a VOD encoding in
// dir: the window of three segments slides by one segment every segment
// duration, and ends with EXT-X-ENDLIST once the last segment is in.
type liveOrigin struct {
	origin
	start time.Time
	segs  []string // EXTINF line and URI of each VOD segment
	dur   time.Duration
}

func newLiveOrigin(t *testing.T, dir string, bodyDelay time.Duration) *liveOrigin {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "index.m3u8"))
	require.NoError(t, err)
	o := &liveOrigin{origin: origin{dir: dir, bodyDelay: bodyDelay, status: map[int]int{}}, dur: time.Second}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#EXTINF:") && i+1 < len(lines) {
			o.segs = append(o.segs, l+"\n"+lines[i+1]+"\n")
		}
	}
	require.GreaterOrEqual(t, len(o.segs), 5)
	o.start = time.Now()
	return o
}

func (o *liveOrigin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, ".m3u8") {
		r.URL.Path = "/" + filepath.Base(r.URL.Path) // v0/seg_1.ts and v1/seg_1.ts are the same file
		o.origin.ServeHTTP(w, r)
		return
	}
	o.mu.Lock()
	o.kinds[parse.KindManifest]++
	o.status[http.StatusOK]++
	o.mu.Unlock()
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n")
	if r.URL.Path == "/master.m3u8" {
		b.WriteString("#EXT-X-STREAM-INF:BANDWIDTH=300000\nv0/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=700000\nv1/index.m3u8\n")
	} else {
		first := min(int(time.Since(o.start)/o.dur), len(o.segs)-3)
		fmt.Fprintf(&b, "#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:%d\n", first)
		for _, s := range o.segs[first : first+3] {
			b.WriteString(s)
		}
		if first+3 == len(o.segs) {
			b.WriteString("#EXT-X-ENDLIST\n")
		}
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	_, _ = w.Write([]byte(b.String()))
}

// TestRealFFmpegLiveTwoRenditions checks a live viewer of two renditions:
// counts equal the origin's, and every segment latency reported lies between
// the injected body delay and well under a segment duration (a latency
// measured from request to request would be about a segment duration).
func TestRealFFmpegLiveTwoRenditions(t *testing.T) {
	ffmpeg := findFFmpeg(t)
	dir := t.TempDir()
	makeHLS(t, ffmpeg, dir, false)
	const delay = 100 * time.Millisecond
	o := newLiveOrigin(t, dir, delay)
	srv := httptest.NewServer(o)
	defer srv.Close()

	tl, c := runViewer(t, ffmpeg, srv.URL+"/master.m3u8")

	assert.Equal(t, o.kinds, tl.Requests, "requests by kind: origin vs parsed")
	assert.Zero(t, c.StderrDropped+c.ProgressDropped)
	assert.Empty(t, tl.HTTPErrors)
	for _, d := range tl.Latencies[parse.KindSegment] {
		assert.GreaterOrEqual(t, d, delay, "segment latency")
		assert.Less(t, d, delay+600*time.Millisecond, "segment latency")
	}
	for _, d := range tl.Latencies[parse.KindManifest] {
		assert.Less(t, d, 500*time.Millisecond, "playlist latency")
	}
	t.Logf("requests %v; segment latencies %v; %d playlist latencies", tl.Requests, tl.Latencies[parse.KindSegment], len(tl.Latencies[parse.KindManifest]))
}
