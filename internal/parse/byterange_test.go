package parse

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hlsswarm/hlsswarm/internal/hls"
)

// TestByteRangeCaptures runs real ffmpeg 5.1 captures of single-file VODs
// (ffmpeg -hls_flags single_file: EXT-X-BYTERANGE segments, and for fMP4 an
// EXT-X-MAP with BYTERANGE in the same file) and checks the kinds parsed
// against the origin's log, each of its requests classified by what the
// playlist says its range is.
//
// Not parallel: it checks the parser allocates nothing (AllocsPerRun).
func TestByteRangeCaptures(t *testing.T) {
	for _, c := range []struct{ name, playlist string }{
		{"single_ts", "single_ts.m3u8"},
		{"single_fmp4", "single_fmp4.m3u8"},
		{"single_fmp4_keepalive", "single_fmp4.m3u8"},
		// The fixture origin (WithSingleFile) answering v0's init range
		// with 404: nothing before "Failed to open an initialization
		// section" says the failed request was an init section.
		{"single_fmp4_init404", "fixture_fmp4_v0.m3u8"},
		{"single_fmp4_init404_keepalive", "fixture_fmp4_v0.m3u8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := "testdata/byterange"
			se, err := os.ReadFile(filepath.Join(dir, c.name+".stderr.log"))
			require.NoError(t, err)
			pr, err := os.ReadFile(filepath.Join(dir, c.name+".progress.log"))
			require.NoError(t, err)
			tl := &Tally{}
			parseRecorded(se, pr, tl)

			want, wantErrs := rangeLogKinds(t, filepath.Join(dir, c.name+".origin.log"), filepath.Join(dir, c.playlist))
			assert.Equal(t, want, tl.Requests, "requests by kind: origin (by range) vs parsed")
			assert.Positive(t, want[KindSegment]+want[KindInit])
			assert.Equal(t, wantErrs, tl.HTTPErrorKinds, "HTTP errors by kind: origin (by range) vs parsed")

			p := NewStderrParser(&benchSink{}, nil, 0)
			run := func() {
				splitLines(se, func(l []byte) { p.Line(l, t0) })
				p.Flush()
			}
			run()
			assert.Zero(t, testing.AllocsPerRun(3, run), "allocations per pass over the capture")
		})
	}
}

// rangeLogKinds counts an origin log's requests ("GET <path> bytes=<a>-<b>
// <kind> [<status>]") by kind, and those answered with an error status,
// the kind computed from the playlist: the EXT-X-MAP's URI and range start
// are init, playlists are manifests, the rest are segments. The log's own
// kind column must agree.
func rangeLogKinds(t *testing.T, logFile, playlist string) (kinds, errs [4]int) {
	t.Helper()
	b, err := os.ReadFile(playlist)
	require.NoError(t, err)
	pl, err := hls.Parse(nil, bytes.NewReader(b))
	require.NoError(t, err)
	initURI, initOff := "", int64(-1)
	for _, s := range pl.Segments {
		require.NotNil(t, s.Range, "segment %s: a single-file playlist has byte ranges", s.URI)
		if s.Map != nil {
			require.NotNil(t, s.Map.Range)
			initURI, initOff = s.Map.URI, s.Map.Range.Offset
		}
	}
	f, err := os.Open(logFile)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		require.True(t, len(fs) == 4 || len(fs) == 5, sc.Text())
		start, _, _ := strings.Cut(strings.TrimPrefix(fs[2], "bytes="), "-")
		off, err := strconv.ParseInt(start, 10, 64)
		require.NoError(t, err, sc.Text())
		k := KindSegment
		switch {
		case strings.HasSuffix(fs[1], ".m3u8"):
			k = KindManifest
		case path.Base(fs[1]) == initURI && off == initOff:
			k = KindInit
		}
		assert.Equal(t, fs[3], k.String(), "the log's kind column: %s", sc.Text())
		kinds[k]++
		if len(fs) == 5 {
			status, err := strconv.Atoi(fs[4])
			require.NoError(t, err, sc.Text())
			if status >= 400 {
				errs[k]++
			}
		}
	}
	require.NoError(t, sc.Err())
	return kinds, errs
}

func TestStderrSingleFileInitByOffset(t *testing.T) {
	t.Parallel()
	// One file holds the init section (offset 0) and the segments, and its
	// name says "init": after the Downloading line only offset 0 is init.
	tl := feed(t, `
		+0 [hls @ 0x10] HLS request for url 'http://h/v0/init_all.mp4', offset 0, playlist 0
		+0 [hls @ 0x10] Opening 'http://h/v0/init_all.mp4' for reading
		+1 [http @ 0x20] request: GET /v0/init_all.mp4 HTTP/1.1
		Range: bytes=0-719

		+3 [hls @ 0x10] Downloading an initialization section of size 720
		+4 [AVIOContext @ 0x30] Statistics: 720 bytes read, 0 seeks
		+5 [hls @ 0x10] HLS request for url 'http://h/v0/init_all.mp4', offset 720, playlist 0
		+5 [hls @ 0x10] Opening 'http://h/v0/init_all.mp4' for reading
		+6 [http @ 0x21] request: GET /v0/init_all.mp4 HTTP/1.1
		Range: bytes=720-9999

		+7 [hls @ 0x10] HLS request for url 'http://h/v0/init_all.mp4', offset 10000, playlist 0
		+7 [hls @ 0x10] Opening 'http://h/v0/init_all.mp4' for reading
		+8 [http @ 0x22] request: GET /v0/init_all.mp4 HTTP/1.1
		Range: bytes=10000-19999

		+8 [http @ 0x22] HTTP error 404 Not Found
		+9 [hls @ 0x10] HLS request for url 'http://h/v0/init_all.mp4', offset 0, playlist 0
		+9 [hls @ 0x10] Opening 'http://h/v0/init_all.mp4' for reading
		+9 [http @ 0x23] request: GET /v0/init_all.mp4 HTTP/1.1
		Range: bytes=0-719

		+9 [http @ 0x23] HTTP error 503 Service Unavailable`)
	assert.Equal(t, [4]int{0, 2, 2, 0}, tl.Requests)
	assert.Equal(t, [4]int{0, 1, 1, 0}, tl.HTTPErrorKinds, "a segment's error, then the re-fetched init section's")
}

func TestStderrRangeHeaderGivesUnannouncedOffset(t *testing.T) {
	t.Parallel()
	// A segment of a single file, redirected: the second request has no
	// Opening line of its own, and only its Range header says which part
	// of the file (where the init section was learned) it asks for.
	tl := feed(t, `
		+0 [hls @ 0x10] HLS request for url 'http://h/v0/all.mp4', offset 0, playlist 0
		+0 [hls @ 0x10] Opening 'http://h/v0/all.mp4' for reading
		+1 [http @ 0x20] request: GET /v0/all.mp4 HTTP/1.1
		Range: bytes=0-719

		+3 [hls @ 0x10] Downloading an initialization section of size 720
		+4 [AVIOContext @ 0x30] Statistics: 720 bytes read, 0 seeks
		+5 [hls @ 0x10] HLS request for url 'http://h/r/all.mp4', offset 720, playlist 0
		+5 [hls @ 0x10] Opening 'http://h/r/all.mp4' for reading
		+6 [http @ 0x21] request: GET /r/all.mp4 HTTP/1.1
		Range: bytes=720-9999

		+7 [http @ 0x21] request: GET /v0/all.mp4 HTTP/1.1
		Range: bytes=720-9999

		+8 [http @ 0x21] HTTP error 500 Internal Server Error`)
	assert.Equal(t, [4]int{0, 2, 1, 0}, tl.Requests)
	assert.Equal(t, [4]int{0, 1, 0, 0}, tl.HTTPErrorKinds)
}

func TestStderrHeldErrorIsReleased(t *testing.T) {
	t.Parallel()
	// A guessed segment's error waits one line, then is a segment's; the
	// last line's is released by Flush.
	tl := feed(t, `
		+0 [hls @ 0x10] HLS request for url 'http://h/v0/s1.ts', offset 0, playlist 0
		+0 [hls @ 0x10] Opening 'http://h/v0/s1.ts' for reading
		+1 [http @ 0x20] request: GET /v0/s1.ts HTTP/1.1

		+2 [http @ 0x20] HTTP error 404 Not Found
		+50 [hls @ 0x10] Failed to open segment 1 of playlist 0
		+60 [hls @ 0x10] HLS request for url 'http://h/v0/s2.ts', offset 0, playlist 0
		+60 [hls @ 0x10] Opening 'http://h/v0/s2.ts' for reading
		+61 [http @ 0x21] request: GET /v0/s2.ts HTTP/1.1

		+62 [http @ 0x21] HTTP error 503 Service Unavailable`)
	assert.Equal(t, [4]int{0, 2, 0, 0}, tl.Requests)
	assert.Equal(t, [4]int{0, 2, 0, 0}, tl.HTTPErrorKinds)
	assert.Equal(t, map[int]int{404: 1, 503: 1}, tl.HTTPErrors)
}
