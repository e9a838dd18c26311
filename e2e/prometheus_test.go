package e2e

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/metrics"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestPushgatewayCarriesTheRun: a fleet with Config.PushGateway pushes
// while it runs and at its end; a real Prometheus scraping the gateway
// then holds the run's final counts exactly, and its histogram_quantile
// over the native latency histogram is within one native bucket of the
// Result's own p95.
func TestPushgatewayCarriesTheRun(t *testing.T) {
	t.Parallel()
	stack := startPromStack(t)
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	r := loadtest.Run(t, loadtest.Config{
		URL: origin.URL(), Clients: 3, Ramp: 500 * time.Millisecond, Duration: 8 * time.Second,
		ProgressInterval: -1, PushGateway: stack.gateway, PushInterval: time.Second,
	})
	sel := fmt.Sprintf(`{job=%q,test=%q}`, loadtest.PushJob, t.Name())
	want := float64(r.Totals.Requests.Segment)
	if want == 0 {
		t.Fatalf("the run made no segment request:\n%s", r.Summary())
	}
	var got float64
	testkit.WaitFor(t, 20*time.Second, "Prometheus to scrape the final push", func() bool {
		got, _ = stack.scalar(t, "hlsswarm_segment_requests_total"+sel)
		return got == want
	})
	if up, _ := stack.scalar(t, `up{job="pushgateway"}`); up != 1 {
		t.Errorf("up{job=pushgateway} = %v; want 1", up)
	}
	count, _ := stack.scalar(t, "histogram_count(hlsswarm_segment_latency_seconds"+sel+")")
	if count != float64(r.SegmentLatency.Count) {
		t.Errorf("histogram_count of the native histogram = %v; want the Result's %d", count, r.SegmentLatency.Count)
	}
	p95, ok := stack.scalar(t, "histogram_quantile(0.95, hlsswarm_segment_latency_seconds"+sel+")")
	if !ok {
		t.Fatalf("no native histogram_quantile of hlsswarm_segment_latency_seconds%s", sel)
	}
	local := r.SegmentLatency.P95.Seconds()
	bucket := math.Pow(2, math.Pow(2, -metrics.NativeSchema)) // one native bucket's ratio
	t.Logf("segment requests %v (Prometheus) = %v (Result); p95 %.4fs (Prometheus) vs %.4fs (Result)", got, want, p95, local)
	if ratio := p95 / local; ratio > bucket*1.01 || ratio < 1/(bucket*1.01) {
		t.Errorf("p95 from Prometheus %.4fs, from the Result %.4fs: ratio %.3f is more than one native bucket (%.3f)", p95, local, ratio, bucket)
	}
}

// TestPrometheusVerdictEqualsFileVerdict: the same thresholds checked on
// a run's Result and, through PromQL, on the series its fleet pushed give
// the same verdicts, and the counts the same values. The origin answers
// 503 to every third segment, so some of them fail.
func TestPrometheusVerdictEqualsFileVerdict(t *testing.T) {
	t.Parallel()
	stack := startPromStack(t)
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(fixtures.Fault{
		Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 3}))
	r := loadtest.Run(t, loadtest.Config{
		URL: origin.URL(), Clients: 3, Ramp: 500 * time.Millisecond, Duration: 10 * time.Second,
		ProgressInterval: -1, PushGateway: stack.gateway, PushInterval: time.Second,
	})
	sel := fmt.Sprintf(`job=%q,test=%q`, loadtest.PushJob, t.Name())
	testkit.WaitFor(t, 20*time.Second, "Prometheus to scrape the final push", func() bool {
		got, _ := stack.scalar(t, "hlsswarm_requests_total{"+sel+"}")
		return got == float64(r.Totals.Requests.Total())
	})
	exprs := []string{
		"http_errors{code=503} == 0",
		"http_errors{code=404} == 0",
		"http_errors{code=5xx} == 0 over 5s",
		"http_error_rate{kind=segment} < 1%",
		"http_error_rate{kind=manifest} < 1%",
		"segment_requests > 0",
		"p95(segment_latency) < 5s",
		"p95(segment_latency) < 1us",
		"count(startup_time) >= 3",
		"max(clients_active) <= 3",
		"min(clients_active) >= 4",
		"max(drift)? < 1h",
		"stalls == 0", // an ffmpeg run measures no stalls: no data on both sides
		"rebuffer_ratio < 1%",
	}
	file, _ := assert.Check(r, exprs...)
	prom, err := assert.CheckPrometheus(context.Background(), assert.Prometheus{URL: stack.server, Selector: sel, Start: r.Start}, time.Time{}, exprs...)
	if err != nil && !errors.Is(err, assert.ErrThresholdsFailed) {
		t.Fatalf("CheckPrometheus: %v\n%s", err, prom.Table())
	}
	t.Logf("from the Result:\n%s\nfrom Prometheus:\n%s", file.Table(), prom.Table())
	if len(file) != len(exprs) || len(prom) != len(exprs) {
		t.Fatalf("%d and %d verdicts for %d thresholds", len(file), len(prom), len(exprs))
	}
	for i := range exprs {
		if file[i].Status != prom[i].Status {
			t.Errorf("%s: %v from the Result (%s), %v from Prometheus (%s)", exprs[i],
				file[i].Status, file[i].ObservedText(), prom[i].Status, prom[i].ObservedText())
		}
	}
	// Counts are exact: the 503s and the segment requests.
	for _, i := range []int{0, 5} {
		if file[i].Observed != prom[i].Observed {
			t.Errorf("%s: %v from the Result, %v from Prometheus; want equal counts", exprs[i], file[i].Observed, prom[i].Observed)
		}
	}
	if file[0].Observed == 0 {
		t.Errorf("no 503 counted; the fault did not fire:\n%s", r.Summary())
	}
}

// TestGlobalThresholdStopsTheFleet: a fleet checking a global threshold in
// Prometheus stops on its breach, long before its schedule, and fails the
// test naming it; a healthy one with the same settings runs to its end.
// Each runs in a subtest of its own: the test name labels its series.
func TestGlobalThresholdStopsTheFleet(t *testing.T) {
	t.Parallel()
	stack := startPromStack(t)
	for _, faulty := range []bool{true, false} {
		t.Run(fmt.Sprintf("faulty=%v", faulty), func(t *testing.T) {
			var opts []fixtures.Option
			if faulty {
				opts = append(opts, fixtures.WithFaults(fixtures.Fault{
					Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 2}))
			}
			origin := fixtures.NewOrigin(t, append(opts, fixtures.Live{})...)
			rec := &testkit.Recorder{TB: t, RealFatal: true}
			duration := 40 * time.Second
			if !faulty {
				duration = 6 * time.Second
			}
			r := loadtest.Run(rec, loadtest.Config{
				URL: origin.URL(), Clients: 2, Ramp: 200 * time.Millisecond, Duration: duration,
				ProgressInterval: -1, PushGateway: stack.gateway, PrometheusURL: stack.server,
				PushInterval: time.Second, GlobalThresholds: []string{"http_errors{code=503} == 0"},
			})
			ran := r.End.Sub(r.Start)
			t.Logf("ran %v, aborted %+v, failures %q", ran, r.Aborted, rec.Errors())
			if !faulty {
				if len(rec.Errors()) != 0 || r.Aborted != nil {
					t.Errorf("healthy origin: failures %q, aborted %+v; want none", rec.Errors(), r.Aborted)
				}
				return
			}
			if r.Aborted == nil || r.Aborted.Threshold != "http_errors{code=503} == 0" {
				t.Fatalf("a breached global threshold did not stop the fleet: aborted %+v after %v", r.Aborted, ran)
			}
			if ran > duration/2 {
				t.Errorf("the fleet ran %v of its %v; want a stop within seconds of the first 503", ran, duration)
			}
			if errs := rec.Errors(); len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "global (Prometheus)") {
				t.Errorf("failures %q; want one naming the global threshold", errs)
			}
		})
	}
}
