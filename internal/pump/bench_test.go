package pump

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/parse"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// countSink counts requests and ignores the other events, without
// allocating.
type countSink struct {
	parse.NopSink
	requests int
}

func (s *countSink) Request(parse.Kind, []byte, time.Time) { s.requests++ }

// benchCorpus returns the file named by HLSSWARM_BENCH_CORPUS, else def
// from the recorded corpus.
func benchCorpus(b *testing.B, def string) []byte {
	return testkit.BenchCorpus(b, filepath.Join("../parse/testdata/corpus", def))
}

// viewerPath is the per-viewer hot path without goroutines: reads of up to
// 64 KiB, stamped once per read, split into lines, queued (copied) and
// drained into the parser, exactly as a Pipeline does it.
type viewerPath struct {
	q     *lineQueue
	sp    parse.Splitter
	parse func([]byte, time.Time)
}

func (v *viewerPath) run(data []byte) (lines int) {
	for len(data) > 0 {
		chunk := data[:min(len(data), DefaultReadSize)]
		at := time.Now()
		off := 0
		v.q.mu.Lock()
		v.sp.Reset()
		for {
			line, end, ok := v.sp.Next(chunk, off)
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

// BenchmarkViewerPath measures a debug-level ffmpeg 5.1 log (or the file in
// HLSSWARM_BENCH_CORPUS) through one viewer's hot path: reads, line
// splitting, the queue and event classification. go-ffmpeg-hls-swarm's
// regexp parser takes about 1.2-1.5 µs and one allocation per line on the
// same samples.
func BenchmarkViewerPath(b *testing.B) {
	data := benchCorpus(b, "live_fmp4_debug.stderr.log")
	sink := &countSink{}
	p := parse.NewStderrParser(sink, time.UTC, 0)
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
	if sink.requests == 0 {
		b.Fatal("no requests found")
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
		c, _ := Start(&chunkReader{data: data}, nil, &countSink{}, Options{}).Wait()
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
