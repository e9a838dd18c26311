package parse

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchSink counts events without allocating, like a stats adapter would.
type benchSink struct {
	n [16]int
}

func (s *benchSink) Request(k Kind, url []byte, _ time.Time)      { s.n[0]++ }
func (s *benchSink) HTTPError(Kind, int, time.Time)               { s.n[1]++ }
func (s *benchSink) Reconnect(Kind, Cause, time.Time)             { s.n[2]++ }
func (s *benchSink) Timeout(Kind, time.Time)                      { s.n[3]++ }
func (s *benchSink) ConnRefused(time.Time)                        { s.n[4]++ }
func (s *benchSink) BodyCut(Kind, time.Time)                      { s.n[5]++ }
func (s *benchSink) SegmentFailed(int, time.Time)                 { s.n[6]++ }
func (s *benchSink) PlaylistFailed(time.Time)                     { s.n[7]++ }
func (s *benchSink) ExpiredSkips(int, time.Time)                  { s.n[8]++ }
func (s *benchSink) SequenceChange(time.Time)                     { s.n[9]++ }
func (s *benchSink) EndOfStream(EndReason, time.Time)             { s.n[10]++ }
func (s *benchSink) Latency(k Kind, d time.Duration, _ time.Time) { s.n[11]++ }
func (s *benchSink) Unknown([]byte, time.Time)                    { s.n[12]++ }
func (s *benchSink) Progress(*Progress)                           { s.n[13]++ }
func (s *benchSink) Lines(Stream, uint64, uint64)                 { s.n[14]++ }

// benchCorpus returns the file named by HLSSWARM_BENCH_CORPUS, else def.
func benchCorpus(b *testing.B, def string) []byte {
	b.Helper()
	name := os.Getenv("HLSSWARM_BENCH_CORPUS")
	if name == "" {
		name = filepath.Join("testdata/corpus", def)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// viewerPath is the per-viewer hot path without goroutines: reads of up to
// 64 KiB, stamped once per read, split into lines, queued (copied) and
// drained into the parser, exactly as a Pipeline does it.
type viewerPath struct {
	q     *lineQueue
	sp    splitter
	parse func([]byte, time.Time)
}

func (v *viewerPath) run(data []byte) (lines int) {
	for len(data) > 0 {
		chunk := data[:min(len(data), DefaultReadSize)]
		at := time.Now()
		off := 0
		v.q.mu.Lock()
		v.sp.reset()
		for {
			line, end, ok := v.sp.next(chunk, off)
			off = end
			if !ok {
				break
			}
			lines++
			v.q.push(line, at)
		}
		v.q.mu.Unlock()
		v.q.drain(v.parse)
		data = data[off:]
		if off == 0 { // tail without terminator
			v.parse(chunk, at)
			lines++
			break
		}
	}
	return lines
}

// BenchmarkParseStderr measures a debug-level ffmpeg 5.1 log (or the file in
// HLSSWARM_BENCH_CORPUS) through line splitting, the queue and event
// classification, as in a viewer. go-ffmpeg-hls-swarm's regexp parser takes
// about 1.2-1.5 µs and one allocation per line on the same samples.
func BenchmarkParseStderr(b *testing.B) {
	data := benchCorpus(b, "live_fmp4_debug.stderr.log")
	sink := &benchSink{}
	p := NewStderrParser(sink, time.UTC)
	v := &viewerPath{q: newLineQueue(DefaultQueueBytes, DefaultQueueLines), parse: p.Line}
	lines := v.run(data) // warm up: reach steady state
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v.run(data)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
	b.ReportMetric(float64(lines), "lines/op")
	if sink.n[0] == 0 {
		b.Fatal("no requests found")
	}
}

// BenchmarkParseProgress measures -progress lines through splitting and the
// key=value parser.
func BenchmarkParseProgress(b *testing.B) {
	data := benchCorpus(b, "live_fmp4_debug.progress.log")
	if os.Getenv("HLSSWARM_BENCH_CORPUS") != "" {
		data, _ = os.ReadFile(filepath.Join("testdata/corpus", "live_fmp4_debug.progress.log"))
	}
	sink := &benchSink{}
	p := NewProgressParser(sink)
	var sp splitter
	run := func() (lines int) {
		at := time.Now()
		off := 0
		sp.reset()
		for {
			line, end, ok := sp.next(data, off)
			off = end
			if !ok {
				break
			}
			p.Line(line, at)
			lines++
		}
		return lines
	}
	lines := run()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
	if sink.n[13] == 0 {
		b.Fatal("no progress blocks")
	}
}

// BenchmarkPipeline is the whole path with its goroutines: a 1.3 MB debug
// log through Start and Wait.
func BenchmarkPipeline(b *testing.B) {
	data := benchCorpus(b, "live_fmp4_debug.stderr.log")
	var lines uint64
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		c, _ := Start(&chunkReader{data: data}, nil, &benchSink{}, Options{}).Wait()
		lines = c.StderrRead
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(uint64(b.N)*lines), "ns/line")
}

type chunkReader struct{ data []byte }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, os.ErrClosed
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
