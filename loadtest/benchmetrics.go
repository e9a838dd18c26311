package loadtest

import (
	"testing"
	"time"
)

// ReportMetrics reports the run's key figures on b with b.ReportMetric, so
// that benchstat can compare two runs. Units carry no spaces:
//
//	p50-segment-ms p95-segment-ms p99-segment-ms p95-manifest-ms
//	p95-startup-ms p95-start-latency-ms speed-min speed-mean
//	errors/op timeouts/op reconnects/op dropped-lines/op stalled-viewers
//	segments/s requests/s
//
// The "/op" figures are divided by b.N like go test's own (b.N is the
// number of runs the benchmark made; usually 1 for a fleet). ReportMetrics
// is a no-op for a nil Result.
func (r *Result) ReportMetrics(b *testing.B) {
	if r == nil {
		return
	}
	b.Helper()
	n := float64(max(b.N, 1))
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	secs := r.Elapsed().Seconds()
	perSecond := func(c uint64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(c) / secs
	}
	b.ReportMetric(ms(r.SegmentLatency.P50), "p50-segment-ms")
	b.ReportMetric(ms(r.SegmentLatency.P95), "p95-segment-ms")
	b.ReportMetric(ms(r.SegmentLatency.P99), "p99-segment-ms")
	b.ReportMetric(ms(r.ManifestLatency.P95), "p95-manifest-ms")
	b.ReportMetric(ms(r.Startup.P95), "p95-startup-ms")
	b.ReportMetric(ms(r.StartLatency.P95), "p95-start-latency-ms")
	b.ReportMetric(r.QoE.SpeedMin, "speed-min")
	b.ReportMetric(r.QoE.SpeedMean, "speed-mean")
	b.ReportMetric(float64(r.Totals.HTTPErrors)/n, "errors/op")
	b.ReportMetric(float64(r.Totals.Timeouts)/n, "timeouts/op")
	b.ReportMetric(float64(r.Totals.Reconnects)/n, "reconnects/op")
	b.ReportMetric(float64(r.Totals.DroppedLines)/n, "dropped-lines/op")
	b.ReportMetric(float64(r.QoE.PeakStalledViewers), "stalled-viewers")
	b.ReportMetric(perSecond(r.Totals.Requests.Segment+r.Totals.Requests.Init), "segments/s")
	b.ReportMetric(perSecond(r.Totals.Requests.Total()), "requests/s")
}
