package stats

import (
	"math"
	"testing"
	"time"
)

func TestCatalog(t *testing.T) {
	t.Parallel()
	// Names from DESIGN.md's catalogue, which must all be there.
	design := []string{"manifest_requests", "segment_requests", "init_requests", "unknown_requests", "bytes",
		"http_errors", "reconnects", "timeouts", "restarts", "progress_lines", "stderr_lines", "dropped_lines",
		"http_error_rate", "timeout_rate", "dropped_line_rate", "segment_latency", "manifest_latency",
		"clients_active", "clients_stalled", "speed", "drift"}
	seen := map[string]bool{}
	for _, m := range Catalog() {
		if seen[m.Name] {
			t.Errorf("metric %q listed twice", m.Name)
		}
		seen[m.Name] = true
		if m.Help == "" {
			t.Errorf("metric %q has no help", m.Name)
		}
		got, ok := LookupMetric(m.Name)
		if !ok || got.Name != m.Name || got.Type != m.Type {
			t.Errorf("LookupMetric(%q) = %+v, %v", m.Name, got, ok)
		}
		c := Counters{}
		_, isCounter := CounterValue(&c, m.Name)
		_, isRate := RateValue(&c, m.Name)
		if isCounter != (m.Type == MetricCounter) || isRate != (m.Type == MetricRate) {
			t.Errorf("metric %q of type %v: CounterValue ok %v, RateValue ok %v", m.Name, m.Type, isCounter, isRate)
		}
	}
	for _, n := range design {
		if !seen[n] {
			t.Errorf("catalogue lacks %q", n)
		}
	}
	if _, ok := LookupMetric("p95"); ok {
		t.Error(`LookupMetric("p95"): want false`)
	}
	c := Catalog()
	c[0].Name = "changed"
	if Catalog()[0].Name == "changed" {
		t.Error("Catalog returns shared state")
	}
	for _, ty := range []MetricType{MetricCounter, MetricRate, MetricDistribution, MetricGauge, 9} {
		if ty.String() == "" {
			t.Errorf("MetricType(%d).String() is empty", ty)
		}
	}
}

func TestCounterValues(t *testing.T) {
	t.Parallel()
	a := NewAggregator(Options{})
	v := a.AddViewer(1)
	v.AddRequest(KindManifest)
	v.AddRequest(KindSegment)
	v.AddRequest(KindSegment)
	v.AddRequest(KindInit)
	v.AddRequest(KindUnknown)
	v.AddBytes(100)
	v.AddHTTPError(KindSegment, 404)
	v.AddReconnect()
	v.AddTimeout()
	v.AddConnRefused()
	v.AddRestart()
	v.AddLines(StreamProgress, 10, 1)
	v.AddLines(StreamStderr, 30, 2)
	v.AddSegmentFailure()
	v.AddPlaylistFailure()
	v.AddExpiredSkips(3)
	var s Snapshot
	a.Snapshot(&s, false)
	want := map[string]uint64{"manifest_requests": 1, "segment_requests": 2, "init_requests": 1,
		"unknown_requests": 1, "requests": 5, "bytes": 100, "http_errors": 1, "reconnects": 1, "timeouts": 1,
		"conn_refused": 1, "restarts": 1, "progress_lines": 10, "stderr_lines": 30, "dropped_lines": 3,
		"segment_failures": 1, "playlist_failures": 1, "expired_skips": 3}
	for name, w := range want {
		if got, ok := CounterValue(&s.Counters, name); !ok || got != w {
			t.Errorf("CounterValue(%q) = %d, %v; want %d", name, got, ok, w)
		}
	}
	rates := map[string]float64{"http_error_rate": 0.2, "timeout_rate": 0.2, "dropped_line_rate": 3.0 / 40}
	for name, w := range rates {
		if got, ok := RateValue(&s.Counters, name); !ok || got.NoData || math.Abs(got.Value-w) > 1e-12 {
			t.Errorf("RateValue(%q) = %+v, %v; want %v", name, got, ok, w)
		}
	}
	if r := HTTPErrorRateKind(&s.Counters, KindSegment); r.Value != 0.5 {
		t.Errorf("segment http_error_rate = %v; want 0.5", r.Value)
	}
}

func TestRatesWithoutData(t *testing.T) {
	t.Parallel()
	var c Counters
	c.HTTPErrors, c.Timeouts, c.DroppedStderrLines = 3, 2, 1 // numerators without denominators
	for name, r := range map[string]Rate{
		"http_error_rate":          HTTPErrorRate(&c),
		"timeout_rate":             TimeoutRate(&c),
		"dropped_line_rate":        DroppedLineRate(&c),
		"segment_latency_coverage": SegmentLatencyCoverage(&c),
		"http_error_rate{init}":    HTTPErrorRateKind(&c, KindInit),
	} {
		if !r.NoData || r.Value != 0 || math.IsNaN(r.Value) {
			t.Errorf("%s with no denominator = %+v; want NoData, 0", name, r)
		}
	}
}

// TestSegmentLatencyCoverage: latencies of segment and init requests
// count, a playlist's do not; the share is over segment and init requests.
func TestSegmentLatencyCoverage(t *testing.T) {
	t.Parallel()
	a := NewAggregator(Options{})
	v := a.AddViewer(1)
	for range 4 {
		v.AddRequest(KindSegment)
	}
	v.AddRequest(KindInit)
	v.AddRequest(KindManifest)
	v.ObserveLatency(KindSegment, time.Millisecond)
	v.ObserveLatency(KindSegment, time.Millisecond)
	v.ObserveLatency(KindInit, time.Millisecond)
	v.ObserveLatency(KindManifest, time.Millisecond)
	var s Snapshot
	a.Snapshot(&s, false)
	if r, ok := RateValue(&s.Counters, "segment_latency_coverage"); !ok || r.NoData || r.Value != 0.6 {
		t.Errorf("segment_latency_coverage = %+v, %v; want 3 of 5 = 0.6", r, ok)
	}
	if s.Counters.SegmentLatencies != s.SegmentLatency.Count {
		t.Errorf("SegmentLatencies %d, histogram count %d; want equal", s.Counters.SegmentLatencies, s.SegmentLatency.Count)
	}
}

func TestCountersSub(t *testing.T) {
	t.Parallel()
	a := Counters{Requests: [NumKinds]uint64{10, 20, 1, 0}, Bytes: 500, HTTPErrors: 4, Timeouts: 2, ExpiredSkips: 7}
	b := Counters{Requests: [NumKinds]uint64{4, 5, 1, 0}, Bytes: 200, HTTPErrors: 1, Timeouts: 3}
	d := a
	d.Sub(&b)
	want := Counters{Requests: [NumKinds]uint64{6, 15, 0, 0}, Bytes: 300, HTTPErrors: 3, Timeouts: 0, ExpiredSkips: 7}
	if d != want {
		t.Errorf("Sub: %+v; want %+v (negative fields clamp to 0)", d, want)
	}
	d.Add(&b)
	if d.Requests != a.Requests || d.Bytes != a.Bytes {
		t.Errorf("Add after Sub: %+v; want %+v", d, a)
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	for k := range NumKinds {
		got, ok := ParseKind(k.String())
		if !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", k.String(), got, ok, k)
		}
	}
	if _, ok := ParseKind("video"); ok {
		t.Error(`ParseKind("video"): want false`)
	}
	if Kind(42).String() != "unknown" || StreamStderr.String() != "stderr" || StreamProgress.String() != "progress" {
		t.Error("String of out-of-range kind or streams")
	}
}
