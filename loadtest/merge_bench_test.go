package loadtest

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// benchShard returns the Result of a simulated shard of a 10-minute run
// of viewers: each plays a segment and reloads its playlist every second,
// latencies log-normal (segments around 20 ms, playlists around 3 ms).
func benchShard(b *testing.B, viewers int) *Result {
	b.Helper()
	const secs = 600
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	now := t0
	rng := rand.New(rand.NewPCG(5, 6))
	logn := func(median time.Duration, sigma float64) time.Duration {
		return time.Duration(float64(median) * math.Exp(sigma*rng.NormFloat64()))
	}
	agg := stats.NewAggregator(stats.Options{Now: func() time.Time { return now }})
	hist := stats.NewHistory(0)
	vs := make([]*stats.Viewer, viewers)
	for i := range vs {
		vs[i] = agg.AddViewer(i + 1)
		vs[i].Started(t0)
	}
	var snap stats.Snapshot
	for sec := 1; sec <= secs; sec++ {
		now = t0.Add(time.Duration(sec) * time.Second)
		for _, v := range vs {
			v.AddRequest(stats.KindManifest)
			v.ObserveLatency(stats.KindManifest, logn(3*time.Millisecond, 0.5))
			v.AddRequest(stats.KindSegment)
			v.ObserveLatency(stats.KindSegment, logn(20*time.Millisecond, 0.5))
			v.AddBytes(500_000)
			v.ObserveProgress(now, time.Duration(sec)*time.Second, 1)
			if sec == 1 {
				v.FirstSegment(now)
			}
		}
		agg.Snapshot(&snap, false)
		hist.Add(&snap)
	}
	final := new(stats.Snapshot)
	agg.Snapshot(final, true)
	cfg := Config{URL: "http://127.0.0.1:1/live/master.m3u8", Clients: 100 * viewers, Shard: Shard{0, 100}, RunID: "bench"}
	return buildResult(resultInput{
		test: "TestBench", cfg: cfg.withDefaults(), start: t0, end: now, snap: final, points: hist.Points(),
		target: viewers, exits: map[string]int{}, startLatency: &stats.HistogramSnapshot{},
	})
}

// BenchmarkMerge merges 100 shard Results of a 10-minute run of 10
// viewers each (one history point a second, with histograms). The shards
// share their history (Merge only reads it), which keeps the benchmark's
// own memory to one shard's.
func BenchmarkMerge(b *testing.B) {
	one := benchShard(b, 10)
	shards := make([]*Result, 100)
	for i := range shards {
		r := *one
		r.Config.Shard = Shard{Index: i, Count: 100}
		r.StatsEpoch = one.StatsEpoch.Add(time.Duration(i) * 7 * time.Millisecond) // started a little apart
		r.Viewers = make([]ViewerResult, len(one.Viewers))
		for j, v := range one.Viewers {
			v.ID = j*100 + i + 1
			r.Viewers[j] = v
		}
		shards[i] = &r
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Merge(shards...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadReport reads the report of one shard of 10 viewers over 10
// minutes, and reports its size per viewer-minute.
func BenchmarkReadReport(b *testing.B) {
	const viewers = 10
	var buf bytes.Buffer
	if err := benchShard(b, viewers).WriteJSON(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadReport(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/(viewers*10), "report-B/viewer-min")
}

// BenchmarkWriteReport writes the same report.
func BenchmarkWriteReport(b *testing.B) {
	r := benchShard(b, 10)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := r.WriteJSON(&buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMergeReportFiles merges the report files of 100 shards of a
// 10-minute run of 10 viewers each, and reports the process's peak
// resident memory (Linux), which stays near one shard's history plus the
// merged one rather than 100 shards'.
func BenchmarkMergeReportFiles(b *testing.B) {
	one := benchShard(b, 10)
	dir := b.TempDir()
	for i := range 100 {
		r := *one
		r.Config.Shard = Shard{Index: i, Count: 100}
		r.Viewers = make([]ViewerResult, len(one.Viewers))
		for j, v := range one.Viewers {
			v.ID = j*100 + i + 1
			r.Viewers[j] = v
		}
		if _, err := r.writeReport(dir); err != nil {
			b.Fatal(err)
		}
	}
	one = nil
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MergeReportFiles(dir); err != nil {
			b.Fatal(err)
		}
	}
	if hwm, ok := peakRSS(); ok {
		b.ReportMetric(float64(hwm)/1e6, "peak-RSS-MB")
	}
}

// peakRSS returns the process's peak resident set (VmHWM), in bytes.
func peakRSS() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
