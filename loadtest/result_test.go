package loadtest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// recordedResult builds a Result from a real aggregator fed with a known
// set of events, as the fleet does at its end.
func recordedResult(t *testing.T) *Result {
	t.Helper()
	t0 := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	now := t0
	agg := stats.NewAggregator(stats.Options{Now: func() time.Time { return now }})
	hist := stats.NewHistory(0)
	v1, v2 := agg.AddViewer(1), agg.AddViewer(2)
	v1.Started(t0)
	v2.Started(t0)
	var snap stats.Snapshot
	for sec := 1; sec <= 3; sec++ {
		now = t0.Add(time.Duration(sec) * time.Second)
		for _, v := range []*stats.Viewer{v1, v2} {
			v.AddRequest(stats.KindManifest)
			v.ObserveLatency(stats.KindManifest, 2*time.Millisecond)
			v.AddRequest(stats.KindSegment)
			v.ObserveLatency(stats.KindSegment, time.Duration(sec)*10*time.Millisecond)
			v.AddBytes(50_000)
			v.ObserveProgress(now, time.Duration(sec)*time.Second, 1)
		}
		if sec == 1 {
			v1.FirstSegment(now)
			v2.FirstSegment(now)
		}
		agg.Snapshot(&snap, false)
		hist.Add(&snap)
	}
	v2.AddRequest(stats.KindSegment)
	v2.AddHTTPError(stats.KindSegment, 503)
	v2.AddTimeout()
	var startLat stats.Histogram
	startLat.Record(80 * time.Millisecond)
	startLat.Record(120 * time.Millisecond)
	var sl stats.HistogramSnapshot
	startLat.Snapshot(&sl)

	final := new(stats.Snapshot)
	agg.Snapshot(final, true)
	cfg := Config{URL: "http://127.0.0.1:1/live/master.m3u8", Clients: 2, WarmUp: time.Second,
		Headers: map[string]string{"Authorization": "secret"}}.withDefaults()
	return buildResult(resultInput{
		test: "TestX/sub case", cfg: cfg, start: t0, end: now,
		ffmpeg: FFmpegInfo{Path: "/usr/bin/ffmpeg", Version: "5.1.9"},
		target: 2, snap: final, points: hist.Points(), startLatency: &sl,
		exits: map[string]int{"stopped": 2},
		origin: originDiff(
			map[string]map[int]int64{"manifest": {200: 10}},
			map[string]map[int]int64{"manifest": {200: 16}, "segment": {200: 6, 503: 1}}),
	})
}

func TestResultTotals(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	if got, want := r.Totals.Requests, (KindCounts{Manifest: 6, Segment: 7}); got != want {
		t.Errorf("Totals.Requests = %+v; want %+v", got, want)
	}
	if got, want := r.Totals.HTTPErrorsFor(503), uint64(1); got != want {
		t.Errorf("HTTPErrorsFor(503) = %d; want %d", got, want)
	}
	if got, want := r.Totals.HTTPErrorsByKind.Segment, uint64(1); got != want {
		t.Errorf("HTTPErrorsByKind.Segment = %d; want %d", got, want)
	}
	if got, want := r.Totals.Timeouts, uint64(1); got != want {
		t.Errorf("Timeouts = %d; want %d", got, want)
	}
	if got, want := r.Rates.HTTPErrorRate, 1.0/13; got != want {
		t.Errorf("HTTPErrorRate = %g; want %g", got, want)
	}
	if got, want := r.SegmentLatency.Count, uint64(6); got != want {
		t.Errorf("SegmentLatency.Count = %d; want %d", got, want)
	}
	if got, want := r.SegmentLatency.Max, 30*time.Millisecond; got != want {
		t.Errorf("SegmentLatency.Max = %s; want %s", got, want)
	}
	if p50 := r.SegmentLatency.P50; p50 < 19*time.Millisecond || p50 > 21*time.Millisecond {
		t.Errorf("SegmentLatency.P50 = %s; want 20ms ±1%%", p50)
	}
	if got, want := r.StartLatency.Count, uint64(2); got != want {
		t.Errorf("StartLatency.Count = %d; want %d", got, want)
	}
	if got, want := r.Startup.Count, uint64(2); got != want {
		t.Errorf("Startup.Count = %d; want %d (one per viewer)", got, want)
	}
	if got, want := len(r.Viewers), 2; got != want {
		t.Fatalf("len(Viewers) = %d; want %d", got, want)
	}
	if got, want := r.Viewers[1].HTTPErrors, uint64(1); r.Viewers[1].ID != 2 || got != want {
		t.Errorf("Viewers[1] = %+v; want ID 2 with %d HTTP error", r.Viewers[1], want)
	}
	if got, want := len(r.History), 3; got != want {
		t.Errorf("len(History) = %d; want %d", got, want)
	}
	if got, want := r.History[2].Requests.Segment, uint64(6); got != want {
		t.Errorf("History[2].Requests.Segment = %d; want %d (cumulative)", got, want)
	}
	if p95 := r.History[2].SegmentP95; p95 < 29*time.Millisecond || p95 > 31*time.Millisecond {
		t.Errorf("History[2].SegmentP95 = %s; want 30ms (its own second only)", p95)
	}
	if got, want := r.Origin.Count("manifest"), int64(6); got != want {
		t.Errorf("Origin.Count(manifest) = %d; want %d (end - start)", got, want)
	}
	if got, want := r.Origin.CountStatus("segment", 503), int64(1); got != want {
		t.Errorf("Origin.CountStatus(segment, 503) = %d; want %d", got, want)
	}
	if r.finalSnapshot() == nil || len(r.historyPoints()) != 3 || r.warmUpPeriod() != time.Second {
		t.Errorf("threshold source view = (%v, %d points, %s); want snapshot, 3 points, 1s warm-up",
			r.finalSnapshot() != nil, len(r.historyPoints()), r.warmUpPeriod())
	}
	if got, want := r.Config.HeaderNames, []string{"Authorization"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Config.HeaderNames = %v; want %v", got, want)
	}
}

func TestReportRoundTrip(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	if strings.Contains(buf.String(), "secret") {
		t.Error("report contains a header value; want header names only")
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	for _, key := range []string{"schema", "test", "config", "start", "end", "ffmpeg", "clients", "totals",
		"rates", "segment_latency", "manifest_latency", "startup_time", "start_latency", "qoe", "exits",
		"viewers", "history", "origin"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("report lacks %q", key)
		}
	}
	got, err := ReadReport(&buf)
	if err != nil {
		t.Fatalf("ReadReport: %v", err)
	}
	sameStats(t, got, r)
	want := *r
	want.snap, want.points = nil, nil
	gotPlain := *got
	gotPlain.snap, gotPlain.points = nil, nil
	if !reflect.DeepEqual(gotPlain, want) {
		t.Errorf("round trip changed the Result:\ngot  %+v\nwant %+v", gotPlain, want)
	}
	if got.warmUpPeriod() != time.Second {
		t.Errorf("read-back WarmUpPeriod = %s; want 1s", got.warmUpPeriod())
	}
}

func TestReadReportRejectsOtherSchema(t *testing.T) {
	t.Parallel()
	_, err := ReadReport(strings.NewReader(`{"schema":"hlsswarm.report/v0"}`))
	if err == nil || !strings.Contains(err.Error(), `report schema "hlsswarm.report/v0"; want "hlsswarm.report/v2" (or "hlsswarm.report/v1")`) {
		t.Fatalf("ReadReport(v0) error = %v; want a schema mismatch naming both", err)
	}
}

func TestWriteReportFile(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	dir := t.TempDir()
	path, err := r.writeReport(dir)
	if err != nil {
		t.Fatalf("writeReport: %v", err)
	}
	if got, want := path, filepath.Join(dir, "TestX_sub_case.json"); got != want {
		t.Errorf("report path = %q; want %q", got, want)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := ReadReport(f); err != nil {
		t.Errorf("ReadReport(%s): %v", path, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("report dir holds %d entries; want only the report (no temporary files)", len(entries))
	}
}

func TestReportFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"TestOrigin":               "TestOrigin",
		"TestOrigin/50_viewers#01": "TestOrigin_50_viewers_01",
		"TestX/../../etc/passwd":   "TestX_.._.._etc_passwd",
		"BenchmarkFleet-8":         "BenchmarkFleet-8",
		"Test/ünïcode and spaces":  "Test__n_code_and_spaces",
		"":                         "hlsswarm",
		"../..":                    "hlsswarm",
	} {
		got := reportFileName(in)
		if got != want {
			t.Errorf("reportFileName(%q) = %q; want %q", in, got, want)
		}
		if strings.Contains(got, "/") || got == "." || got == ".." {
			t.Errorf("reportFileName(%q) = %q is not a plain file name", in, got)
		}
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	s := recordedResult(t).Summary()
	for _, want := range []string{
		"hlsswarm: 2 viewers for 3s against http://127.0.0.1:1/live/master.m3u8 (ffmpeg 5.1.9)",
		"requests   manifest_requests 6  segment_requests 7  init_requests 0  unknown_requests 0  requests 13 (4.3/s)  bytes 300.0 kB",
		"errors     http_errors 1 (http_error_rate 7.69%) [503:1]  timeouts 1",
		"exits stopped 2",
		"origin     manifest 6 [200:6]  segment 7 [200:6 503:1]",
		"generator  ffmpeg start p95 119.8ms (0.4x a quiet machine's 300ms)",
		"segment latency measured for ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Summary() lacks %q:\n%s", want, s)
		}
	}
	for _, row := range []string{" segment_latency", " manifest_latency", " startup_time"} {
		if !strings.Contains(s, "\n"+row+" ") {
			t.Errorf("Summary() lacks latency row %q:\n%s", row, s)
		}
	}
	r := recordedResult(t)
	r.Replays, r.Clients.NeverStarted = 3, 1
	if s := r.Summary(); !strings.Contains(s, "VOD replays 3  NEVER STARTED 1\n") {
		t.Errorf("Summary() lacks the replays and the viewers that never started:\n%s", s)
	}
	if n := strings.Count(s, "\n"); n > 15 {
		t.Errorf("Summary() has %d lines; want a compact table (<= 15)", n)
	}
}

func TestReportMetrics(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	res := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
		}
		r.ReportMetrics(b)
	})
	for unit, want := range map[string]float64{
		"errors/op":      float64(1) / float64(res.N),
		"timeouts/op":    float64(1) / float64(res.N),
		"p95-segment-ms": float64(r.SegmentLatency.P95) / 1e6,
		"speed-min":      r.QoE.SpeedMin,
		"requests/s":     13.0 / 3,
	} {
		got, ok := res.Extra[unit]
		if !ok {
			t.Errorf("ReportMetrics did not report %q (got %v)", unit, res.Extra)
			continue
		}
		if d := got - want; d > 1e-9 || d < -1e-9 {
			t.Errorf("metric %q = %g; want %g", unit, got, want)
		}
	}
	for unit := range res.Extra {
		if strings.ContainsAny(unit, " \t") {
			t.Errorf("metric unit %q contains white space", unit)
		}
	}
}

func TestFmtLat(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                           "0s",
		1234 * time.Nanosecond:      "1µs",
		12345678 * time.Nanosecond:  "12.3ms",
		-2037967 * time.Microsecond: "-2.04s",
		2037967 * time.Microsecond:  "2.04s",
		-400 * time.Microsecond:     "-400µs",
	} {
		if got := fmtLat(d); got != want {
			t.Errorf("fmtLat(%v) = %q; want %q", d, got, want)
		}
	}
}
