package ffmpeg

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// segmentCount and segmentDur describe the content made once per test binary.
const (
	segmentCount = 6
	segmentDur   = time.Second
)

// content holds segments made once by the real ffmpeg (mpeg2video, built
// into every ffmpeg, so no external encoder is needed).
var content struct {
	once sync.Once
	dir  string
	err  error
}

// contentDir returns the directory with seg0.ts ... seg5.ts (1 s each).
func contentDir(t testing.TB, ffmpegPath string) string {
	t.Helper()
	content.once.Do(func() {
		dir, err := os.MkdirTemp("", "hlsswarm-ffmpeg-test-")
		if err != nil {
			content.err = err
			return
		}
		content.dir = dir
		cmd := exec.Command(ffmpegPath, "-hide_banner", "-nostdin", "-loglevel", "error",
			"-f", "lavfi", "-i", "testsrc=size=64x36:rate=10",
			"-t", strconv.Itoa(segmentCount), "-c:v", "mpeg2video", "-g", "10",
			"-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
			"-hls_segment_filename", filepath.Join(dir, "seg%d.ts"), filepath.Join(dir, "gen.m3u8"))
		if out, err := cmd.CombinedOutput(); err != nil {
			content.err = fmt.Errorf("generate test content: %v: %s", err, out)
		}
	})
	if content.err != nil {
		t.Fatal(content.err)
	}
	return content.dir
}

func removeContent() {
	if content.dir != "" {
		_ = os.RemoveAll(content.dir)
	}
}

// origin is a small HLS origin for real-process tests:
//
//	/vod.m3u8      VOD, 6 segments, ends
//	/live.m3u8     live, 3-segment sliding window that never ends
//	/stall.m3u8    VOD of 4 good segments, then /hang.ts, which never answers
//	/hostile.m3u8  VOD whose second segment is a file:// URL
//	/missing.m3u8  404
//	/seg<N>.ts     segments (any query string)
type origin struct {
	*httptest.Server
	dir     string
	start   time.Time
	release chan struct{} // closed at cleanup: ends hanging handlers
	hung    chan struct{} // closed when /hang.ts is first requested
	hungOne sync.Once

	mu       sync.Mutex
	requests map[string]int    // path -> count
	idents   map[string]string // path -> "<X-Hlsswarm-Client>|<User-Agent>|<X-Extra>" of the last request
}

func newOrigin(t *testing.T) *origin {
	t.Helper()
	bin := systemBinary(t)
	o := &origin{
		dir:      contentDir(t, bin.Path),
		start:    time.Now(),
		release:  make(chan struct{}),
		hung:     make(chan struct{}),
		requests: map[string]int{},
		idents:   map[string]string{},
	}
	o.Server = httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(func() {
		close(o.release)
		o.Server.Close()
	})
	return o
}

func (o *origin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requests[path]
}

func (o *origin) ident(path string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.idents[path]
}

func (o *origin) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.requests[r.URL.Path]++
	o.idents[r.URL.Path] = r.Header.Get(ClientHeader) + "|" + r.Header.Get("User-Agent") + "|" + r.Header.Get("X-Extra")
	o.mu.Unlock()
	switch p := r.URL.Path; {
	case p == "/vod.m3u8":
		o.playlist(w, 0, segmentCount, true, "")
	case p == "/stall.m3u8":
		o.playlist(w, 0, 4, false, "/hang.ts")
	case p == "/hostile.m3u8":
		// A segment on the local file system that the viewer must not read.
		o.playlist(w, 0, 1, true, "file://"+filepath.Join(o.dir, "seg1.ts"))
	case p == "/live.m3u8":
		seq := int(time.Since(o.start)/segmentDur) + 100
		o.playlist(w, seq, 3, false, "")
	case p == "/hang.ts":
		o.hungOne.Do(func() { close(o.hung) })
		select {
		case <-r.Context().Done():
		case <-o.release:
		}
	case strings.HasPrefix(p, "/seg") && strings.HasSuffix(p, ".ts"):
		http.ServeFile(w, r, filepath.Join(o.dir, filepath.Base(p)))
	default:
		http.NotFound(w, r)
	}
}

// playlist writes a media playlist of n segments from media sequence seq
// (segment i is seg<i%segmentCount>.ts?n=i), optionally ending with extra
// and #EXT-X-ENDLIST.
func (o *origin) playlist(w http.ResponseWriter, seq, n int, end bool, extra string) {
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:%d\n", seq)
	for i := seq; i < seq+n; i++ {
		fmt.Fprintf(&b, "#EXTINF:1.000000,\n/seg%d.ts?n=%d\n", i%segmentCount, i)
	}
	if extra != "" {
		fmt.Fprintf(&b, "#EXTINF:1.000000,\n%s\n", extra)
	}
	if end || extra != "" {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	_, _ = w.Write([]byte(b.String()))
}

// probeCache shares one probe between the tests of this binary.
var probeCache Prober

func systemBinary(t testing.TB) *Binary {
	t.Helper()
	path := systemFFmpeg(t)
	bin, err := probeCache.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
