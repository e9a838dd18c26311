package metrics

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// fleet records a small, known set of events into a real aggregator.
func fleet(t *testing.T) *stats.Aggregator {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	agg := stats.NewAggregator(stats.Options{Now: func() time.Time { return now }})
	v1, v2 := agg.AddViewer(1), agg.AddViewer(2)
	v1.Started(now)
	v2.Started(now)
	for range 3 {
		v1.AddRequest(stats.KindSegment)
		v1.ObserveLatency(stats.KindSegment, 20*time.Millisecond)
	}
	v1.AddRequest(stats.KindManifest)
	v1.ObserveLatency(stats.KindManifest, 5*time.Millisecond)
	v2.AddRequest(stats.KindSegment)
	v2.AddHTTPError(stats.KindSegment, 503)
	v2.AddTimeout()
	v1.AddBytes(1000)
	return agg
}

func snapshotOf(agg *stats.Aggregator) SnapshotFunc {
	return func(dst *stats.Snapshot) { agg.SnapshotParts(dst, stats.IncludeHistograms) }
}

func TestCollectorLint(t *testing.T) {
	t.Parallel()
	c := NewCollector(snapshotOf(fleet(t)), prometheus.Labels{"test": "TestCollectorLint"})
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatalf("CollectAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestCollectorValues(t *testing.T) {
	t.Parallel()
	c := NewCollector(snapshotOf(fleet(t)), nil)
	const want = `
# HELP hlsswarm_segment_requests_total Media segment requests.
# TYPE hlsswarm_segment_requests_total counter
hlsswarm_segment_requests_total 4
# HELP hlsswarm_requests_total Requests of all kinds.
# TYPE hlsswarm_requests_total counter
hlsswarm_requests_total 5
# HELP hlsswarm_http_errors_total HTTP errors, by status code (0 = outside 100..599) or by request kind.
# TYPE hlsswarm_http_errors_total counter
hlsswarm_http_errors_total{code="503"} 1
# HELP hlsswarm_http_error_rate HTTP errors / requests.
# TYPE hlsswarm_http_error_rate gauge
hlsswarm_http_error_rate{kind="all"} 0.2
hlsswarm_http_error_rate{kind="manifest"} 0
hlsswarm_http_error_rate{kind="segment"} 0.25
# HELP hlsswarm_timeouts_total Timeouts.
# TYPE hlsswarm_timeouts_total counter
hlsswarm_timeouts_total 1
# HELP hlsswarm_bytes_total Bytes received.
# TYPE hlsswarm_bytes_total counter
hlsswarm_bytes_total 1000
# HELP hlsswarm_clients_active Viewers running.
# TYPE hlsswarm_clients_active gauge
hlsswarm_clients_active 2
`
	names := []string{
		"hlsswarm_segment_requests_total", "hlsswarm_requests_total", "hlsswarm_http_errors_total",
		"hlsswarm_http_error_rate", "hlsswarm_timeouts_total", "hlsswarm_bytes_total", "hlsswarm_clients_active",
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}

func TestCollectorHistogram(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(snapshotOf(fleet(t)), nil))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var seg *dto.Histogram
	for _, mf := range mfs {
		if mf.GetName() == "hlsswarm_segment_latency_seconds" {
			if mf.GetType() != dto.MetricType_HISTOGRAM {
				t.Errorf("segment_latency is a %v; want a histogram", mf.GetType())
			}
			seg = mf.GetMetric()[0].GetHistogram()
		}
	}
	if seg == nil {
		t.Fatal("hlsswarm_segment_latency_seconds not gathered")
	}
	if got, want := seg.GetSampleCount(), uint64(3); got != want {
		t.Errorf("count = %d; want %d", got, want)
	}
	if got, want := seg.GetSampleSum(), 0.060; got < want*0.999 || got > want*1.001 {
		t.Errorf("sum = %g; want %g", got, want)
	}
	// Classic buckets: the three 20 ms values are above 10 ms, within 25 ms.
	if got := len(seg.GetBucket()); got != len(classicBuckets) {
		t.Fatalf("%d classic buckets; want %d", got, len(classicBuckets))
	}
	for _, b := range seg.GetBucket() {
		want := uint64(3)
		if b.GetUpperBound() < 0.020 {
			want = 0
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("classic bucket le=%g holds %d; want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	// Native buckets: one, holding 20 ms, at schema NativeSchema.
	if seg.GetSchema() != NativeSchema {
		t.Errorf("schema %d; want %d", seg.GetSchema(), NativeSchema)
	}
	spans, deltas := seg.GetPositiveSpan(), seg.GetPositiveDelta()
	if len(spans) != 1 || spans[0].GetLength() != 1 || len(deltas) != 1 || deltas[0] != 3 {
		t.Fatalf("native spans %v deltas %v; want one bucket of 3", spans, deltas)
	}
	if got, want := int(spans[0].GetOffset()), NativeIndex(0.020, NativeSchema); got != want {
		t.Errorf("native bucket %d; want %d (the one holding 20ms)", got, want)
	}
}

// TestNativeIndex checks the bucket layout Prometheus defines: bucket i
// holds (base^(i-1), base^i], base = 2^(2^-schema).
func TestNativeIndex(t *testing.T) {
	t.Parallel()
	for _, schema := range []int32{1, 3, 8} {
		base := math.Pow(2, math.Pow(2, -float64(schema)))
		for _, v := range []float64{1e-6, 0.001, 0.0123, 0.02, 0.25, 0.5, 1, 1.5, 3.7, 60, 7200} {
			i := NativeIndex(v, schema)
			lo, hi := math.Pow(base, float64(i-1)), math.Pow(base, float64(i))
			if v <= lo*(1-1e-12) || v > hi*(1+1e-12) {
				t.Errorf("schema %d: NativeIndex(%g) = %d, bucket (%g, %g]", schema, v, i, lo, hi)
			}
		}
	}
}

// TestCollectorCoversCatalog fails when a catalogue metric is added that the
// collector does not export.
func TestCollectorCoversCatalog(t *testing.T) {
	t.Parallel()
	c := NewCollector(snapshotOf(fleet(t)), nil)
	descs := make(chan *prometheus.Desc, 100)
	c.Describe(descs)
	close(descs)
	var all strings.Builder
	for d := range descs {
		all.WriteString(d.String())
	}
	for _, m := range stats.Catalog() {
		if name := Name(m); !strings.Contains(all.String(), `"`+name+`"`) {
			t.Errorf("catalogue metric %q (%s) is not exported as %s", m.Name, m.Type, name)
		}
	}
}

// TestCollectorReadsAtScrape checks that each scrape reads the aggregator
// afresh and never accumulates on its own.
func TestCollectorReadsAtScrape(t *testing.T) {
	t.Parallel()
	agg := fleet(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(snapshotOf(agg), nil))
	requests := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("Gather: %v", err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "hlsswarm_requests_total" {
				return mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatal("hlsswarm_requests_total not gathered")
		return 0
	}
	if got, want := requests(), 5.0; got != want {
		t.Fatalf("first scrape requests = %g; want %g", got, want)
	}
	if got, want := requests(), 5.0; got != want {
		t.Fatalf("second scrape requests = %g; want %g (no double counting)", got, want)
	}
	agg.AddViewer(3).AddRequest(stats.KindInit)
	if got, want := requests(), 6.0; got != want {
		t.Fatalf("scrape after a new request = %g; want %g", got, want)
	}
}

func TestCollectorLeavesOutRatesWithoutData(t *testing.T) {
	t.Parallel()
	agg := stats.NewAggregator(stats.Options{})
	c := NewCollector(snapshotOf(agg), nil)
	if n := testutil.CollectAndCount(c, "hlsswarm_http_error_rate", "hlsswarm_timeout_rate", "hlsswarm_speed"); n != 0 {
		t.Errorf("an empty fleet exports %d rate/speed samples; want 0 (no data is not 0)", n)
	}
	if n := testutil.CollectAndCount(c, "hlsswarm_requests_total"); n != 1 {
		t.Errorf("an empty fleet exports %d requests_total samples; want 1", n)
	}
}

func BenchmarkCollect(b *testing.B) {
	agg := stats.NewAggregator(stats.Options{})
	now := time.Now()
	for i := range 200 {
		v := agg.AddViewer(i)
		v.Started(now)
		for range 50 {
			v.AddRequest(stats.KindSegment)
			v.ObserveLatency(stats.KindSegment, time.Duration(i+1)*time.Millisecond)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(snapshotOf(agg), nil))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCollectorPlayback: a buffer model's playback is exported in
// seconds; a fleet without one (the ffmpeg engine) exports none of it
// rather than zeros.
func TestCollectorPlayback(t *testing.T) {
	t.Parallel()
	names := []string{"hlsswarm_playback_time_seconds_total", "hlsswarm_stalls_total", "hlsswarm_stall_time_seconds_total",
		"hlsswarm_rendition_switches_total", "hlsswarm_rebuffer_ratio"}
	agg := fleet(t)
	if n := testutil.CollectAndCount(NewCollector(snapshotOf(agg), nil), names...); n != 0 {
		t.Errorf("a fleet without a buffer model exports %d playback samples; want none", n)
	}
	v := agg.AddViewer(3)
	v.AddPlayback(8 * time.Second)
	v.AddStall()
	v.AddStallTime(2 * time.Second)
	v.AddPlayback(2 * time.Second)
	const want = `
# HELP hlsswarm_playback_time_seconds_total Wall time viewers played or stalled, by their buffer model (native engine only: ffmpeg's log does not tell it). In seconds.
# TYPE hlsswarm_playback_time_seconds_total counter
hlsswarm_playback_time_seconds_total 10
# HELP hlsswarm_stalls_total Stalls: times a viewer's buffer ran dry during playback (native engine only).
# TYPE hlsswarm_stalls_total counter
hlsswarm_stalls_total 1
# HELP hlsswarm_stall_time_seconds_total Time viewers spent stalled during playback (native engine only). In seconds.
# TYPE hlsswarm_stall_time_seconds_total counter
hlsswarm_stall_time_seconds_total 2
# HELP hlsswarm_rendition_switches_total Rendition switches by adaptive bitrate (native engine only).
# TYPE hlsswarm_rendition_switches_total counter
hlsswarm_rendition_switches_total 0
# HELP hlsswarm_rebuffer_ratio Stall time / playback time (native engine only).
# TYPE hlsswarm_rebuffer_ratio gauge
hlsswarm_rebuffer_ratio 0.2
`
	if err := testutil.CollectAndCompare(NewCollector(snapshotOf(agg), nil), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}
