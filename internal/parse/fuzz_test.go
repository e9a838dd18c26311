package parse

import (
	"strings"
	"testing"
	"time"
)

// splitLines splits data in one chunk, as the readers (package pump) split
// what they read.
func splitLines(data []byte, fn func([]byte)) {
	var sp Splitter
	sp.Reset()
	off := 0
	for {
		line, end, ok := sp.Next(data, off)
		off = end
		if !ok {
			break
		}
		fn(line)
	}
	if off < len(data) {
		fn(data[off:])
	}
}

// FuzzStderr feeds arbitrary logs to the stderr parser: it must not panic,
// must not allocate once warmed up, must count lines exactly, and can never
// count more requests than lines.
func FuzzStderr(f *testing.F) {
	f.Add([]byte("[http @ 0x1] [debug] request: GET /a.ts HTTP/1.1\r\nHost: x\r\n\r\n\n"))
	f.Add([]byte("2026-11-27 02:00:00.100 [hls @ 0x10] [info] Opening 'http://h/v0/index.m3u8' for reading\n"))
	// Without keep-alive: closes attributed per playlist.
	f.Add([]byte("[hls @ 0x1] [verbose] HLS request for url 'http://h/v0/s1.ts', offset 0, playlist 0\n" +
		"[hls @ 0x1] [info] Opening 'http://h/v0/s1.ts' for reading\n[http @ 0x2] [debug] request: GET /v0/s1.ts HTTP/1.1\nConnection: close\n\n" +
		"[hls @ 0x1] [verbose] HLS request for url 'http://h/v1/s1.ts', offset 0, playlist 1\n" +
		"[hls @ 0x1] [info] Opening 'http://h/v1/s1.ts' for reading\n[http @ 0x3] [debug] request: GET /v1/s1.ts HTTP/1.1\nConnection: close\n\n" +
		"[AVIOContext @ 0x4] [verbose] Statistics: 100 bytes read, 0 seeks\n[AVIOContext @ 0x5] [verbose] Statistics: 200 bytes read, 0 seeks\n" +
		"[hls @ 0x1] [info] No longer receiving playlist 1 ('http://h/v1/index.m3u8')\n" +
		"[AVIOContext @ 0x6] [verbose] Statistics: 10 bytes written, 0 seeks, 1 writeouts\n"))
	// A single-file fMP4 VOD: init section and segment are byte ranges of one URL.
	f.Add([]byte("[hls @ 0x1] HLS request for url 'http://h/v0/v.mp4', offset 0, playlist 0\n" +
		"[hls @ 0x1] Opening 'http://h/v0/v.mp4' for reading\n[http @ 0x2] request: GET /v0/v.mp4 HTTP/1.1\nRange: bytes=0-1334\n\n" +
		"[hls @ 0x1] Downloading an initialization section of size 1335\n[AVIOContext @ 0x4] Statistics: 1335 bytes read, 0 seeks\n" +
		"[hls @ 0x1] HLS request for url 'http://h/v0/v.mp4', offset 1335, playlist 0\n" +
		"[hls @ 0x1] Opening 'http://h/v0/v.mp4' for reading\n[http @ 0x3] request: GET /v0/v.mp4 HTTP/1.1\nRange: bytes=1335-47112\n\n" +
		"[http @ 0x3] request: GET /v1/v.mp4 HTTP/1.1\nRange: bytes=1335-47112\n\n"))
	// Its init range failing: only the line after the error says init.
	f.Add([]byte("[hls @ 0x1] HLS request for url 'http://h/v0/v.mp4', offset 0, playlist 0\n" +
		"[hls @ 0x1] Opening 'http://h/v0/v.mp4' for reading\n[http @ 0x2] request: GET /v0/v.mp4 HTTP/1.1\nRange: bytes=0-1334\n\n" +
		"[http @ 0x2] HTTP error 404 Not Found\n[hls @ 0x1] Failed to open an initialization section in playlist 0\n"))
	// ffmpeg 4.1: the demuxer's context is "hls,applehttp", no level prefix.
	f.Add([]byte("[hls,applehttp @ 0x1] HLS request for url 'http://h/v0/s1.ts', offset 0, playlist 0\n" +
		"[hls,applehttp @ 0x1] Opening 'http://h/v0/s1.ts' for reading\n[http @ 0x2] request: GET /v0/s1.ts HTTP/1.1\nConnection: close\n\n" +
		"[AVIOContext @ 0x4] Statistics: 100 bytes read, 0 seeks\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &benchSink{}
		p := NewStderrParser(sink, time.UTC, 0)
		lines := 0
		run := func() {
			splitLines(data, func(l []byte) { p.Line(l, t0) })
			p.Flush()
		}
		splitLines(data, func([]byte) { lines++ })
		run()
		if sink.n[0] > lines {
			t.Fatalf("%d requests from %d lines", sink.n[0], lines)
		}
		if a := testing.AllocsPerRun(2, run); a != 0 {
			t.Fatalf("%v allocations per run once warmed up", a)
		}
		if want := countLines(data); uint64(lines) != want {
			t.Fatalf("split %d lines, want %d", lines, want)
		}
	})
}

// FuzzProgress feeds arbitrary -progress output to its parser: no panic, no
// allocation, one block per progress= line.
func FuzzProgress(f *testing.F) {
	f.Add([]byte("frame=718\nfps=35.76\nstream_0_0_q=-1.0\nbitrate=N/A\ntotal_size=N/A\nout_time_us=24000000\nout_time_ms=24000000\nout_time=00:00:24.000000\ndup_frames=0\ndrop_frames=0\nspeed= 1.2x\nprogress=continue\n"))
	f.Add([]byte("speed=1.98e+03x\nout_time=-577014:32:22.775808\nprogress=end"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := &benchSink{}
		p := NewProgressParser(sink)
		want := 0
		splitLines(data, func(l []byte) {
			if k, _, ok := strings.Cut(string(l), "="); ok && k == "progress" {
				want++
			}
		})
		run := func() { splitLines(data, func(l []byte) { p.Line(l, t0) }) }
		run()
		if sink.n[13] != want {
			t.Fatalf("%d blocks, want %d", sink.n[13], want)
		}
		if a := testing.AllocsPerRun(2, run); a != 0 {
			t.Fatalf("%v allocations per run", a)
		}
	})
}
