package loadtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// judgedThresholds cover every kind of reading: counters, rates by label,
// percentiles of each distribution, gauges, windows, warm-up overrides.
var judgedThresholds = []string{
	"http_errors == 0",
	"http_errors{code=503} < 3",
	"http_errors{kind=segment} == 0 over 3s",
	"http_error_rate < 1%",
	"http_error_rate{kind=segment} < 5% over 4s",
	"http_errors == 0 after 0s",
	"http_errors == 0 after 4s",
	"requests > 10 over 2s",
	"bytes > 0",
	"timeouts == 0",
	"dropped_line_rate < 1%",
	"segment_latency_coverage > 50%",
	"p50(segment_latency) < 1ms",
	"p95(segment_latency) < 250ms",
	"p(99.9)(manifest_latency) < 1s",
	"p95(segment_latency) < 5ms over 3s",
	"max(segment_latency) < 100ms after 0s",
	"max(startup_time) < 5s",
	"count(startup_time) == 3",
	"max(clients_active) == 3",
	"max(clients_stalled) == 0 over 3s",
	"min(speed)? > 0.5",
	"max(drift)? < 5s",
}

// TestReadReportJudgesLikeLive runs a real fleet once (with 503s on some
// segments, and a warm-up), writes its report, reads it back and checks
// that every threshold gives the same verdict, observed value and time on
// both Results.
func TestReadReportJudgesLikeLive(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(fixtures.Fault{
		Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 4,
	}))
	live := Run(t, Config{URL: origin.URL(), Clients: 3, Duration: 7 * time.Second, WarmUp: 2 * time.Second,
		ProgressInterval: -1, Origin: origin})
	if live.Totals.Requests.Segment == 0 || live.SegmentLatency.Count == 0 {
		t.Fatalf("the fleet measured no segment latency: %+v", live.Totals)
	}
	var buf bytes.Buffer
	if err := live.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatalf("ReadReport: %v", err)
	}
	sameStats(t, back, live)
	set, err := threshold.Parse(judgedThresholds...)
	if err != nil {
		t.Fatal(err)
	}
	want, got := set.Evaluate(resultSource{live}), set.Evaluate(resultSource{back})
	for i := range want {
		w, g := want[i], got[i]
		if g.Status != w.Status || g.Observed != w.Observed || g.At != w.At || g.WindowStart != w.WindowStart {
			t.Errorf("%s: read back %s; live %s", w.Expr, g, w)
		}
	}
	t.Logf("verdicts, equal on both:\n%s", want.Table())
}

// TestReadReportV1 reads a version 1 report: counts of the whole run, no
// latencies and no history, which thresholds then report as no data.
func TestReadReportV1(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// A v1 report is v2 without what v2 added.
	doc["schema"] = reportSchemaV1
	for _, k := range []string{"histograms", "stats_epoch", "stats_elapsed_ns", "shards"} {
		delete(doc, k)
	}
	for _, p := range doc["history"].([]any) {
		delete(p.(map[string]any), "totals")
		delete(p.(map[string]any), "histograms")
	}
	v1, _ := json.Marshal(doc)
	back, err := ReadReport(bytes.NewReader(v1))
	if err != nil {
		t.Fatalf("ReadReport(v1): %v", err)
	}
	if back.Histograms != nil || len(back.historyPoints()) != 0 {
		t.Errorf("v1 read back with histograms %v and %d points; want none", back.Histograms, len(back.historyPoints()))
	}
	set, err := threshold.Parse("http_errors{code=503} == 1 after 0s", "p95(segment_latency) < 1s after 0s")
	if err != nil {
		t.Fatal(err)
	}
	vs := set.Evaluate(resultSource{back})
	if vs[0].Status != threshold.Pass {
		t.Errorf("counter threshold on a v1 report: %s; want pass", vs[0])
	}
	if vs[1].Status != threshold.NoData {
		t.Errorf("percentile threshold on a v1 report: %s; want no data", vs[1])
	}
	if vs, _ := back.Evaluate("p95(segment_latency) < 1s"); !strings.Contains(vs[0].Note, "keeps no histograms") {
		t.Errorf("no-data verdict on a v1 report: note %q; want it to say v1 keeps no histograms", vs[0].Note)
	}
	var page bytes.Buffer
	if err := back.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "holds no histograms") {
		t.Errorf("HTML of a v1 report (err %v) does not say it holds no histograms", err)
	}
	if !strings.Contains(back.Schema, "v1") {
		t.Errorf("Schema = %q; want the v1 it was read from", back.Schema)
	}
}

// TestReadReportRejectsBrokenHistograms checks that a histogram whose
// buckets do not add up to its count is an error naming where.
func TestReadReportRejectsBrokenHistograms(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	r.Histograms.Segment.Count++
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := ReadReport(&buf)
	if err == nil || !strings.Contains(err.Error(), "histograms.segment_latency: buckets hold 6 values; want count 7") {
		t.Errorf("ReadReport = %v; want the broken histogram named", err)
	}
}
