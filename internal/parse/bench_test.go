package parse

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
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

// benchCorpus returns the file named by HLSSWARM_BENCH_CORPUS, else def
// from the recorded corpus.
func benchCorpus(b *testing.B, def string) []byte {
	return testkit.BenchCorpus(b, filepath.Join("testdata/corpus", def))
}

// BenchmarkParseStderr measures a debug-level ffmpeg 5.1 log (or the file in
// HLSSWARM_BENCH_CORPUS) through line splitting and event classification.
// The readers' side (reads, stamps, the queue) is measured by package pump's
// BenchmarkViewerPath.
func BenchmarkParseStderr(b *testing.B) {
	data := benchCorpus(b, "live_fmp4_debug.stderr.log")
	sink := &benchSink{}
	p := NewStderrParser(sink, time.UTC, 0)
	t0 := time.Now()
	run := func() (lines int) {
		splitLines(data, func(l []byte) { p.Line(l, t0); lines++ })
		return lines
	}
	lines := run() // warm up: reach steady state
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
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
	var sp Splitter
	run := func() (lines int) {
		at := time.Now()
		off := 0
		sp.Reset()
		for {
			line, end, ok := sp.Next(data, off)
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
