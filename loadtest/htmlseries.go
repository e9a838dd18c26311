package loadtest

import (
	"math"
	"sort"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// runSeries is a Result's history as per-second series for the report's
// charts: rates are differences of neighbouring cumulative points divided
// by the seconds between them, latencies are quantiles of the histogram of
// the interval since the previous point. NaN marks an interval without
// observations.
type runSeries struct {
	full bool // from the stats history: errors by code and every quantile; else from Result.History

	t               []float64 // elapsed seconds
	active, stalled []float64
	requests        map[string][]float64 // by kind, per second
	errors          map[int][]float64    // HTTP errors per second by status code (full); code -1: all codes
	timeouts        []float64
	seg, man        [3][]float64 // p50, p95, p99 in ms (man and seg p50/p99 only when full)
	speedMin        []float64
	speedMean       []float64
	drift           []float64 // seconds
}

// kindNames are the request kinds in the order the report shows them.
var kindNames = [...]string{"manifest", "segment", "init", "unknown"}

// seriesQuantiles are the latency quantiles charted per second.
var seriesQuantiles = [3]float64{0.50, 0.95, 0.99}

// series returns the Result's history as chart series: from the stats
// history when the Result has one (a finished run, or a report that kept
// its histograms), else from the exported History.
func (r *Result) series() *runSeries {
	if len(r.points) > 0 {
		return seriesOfPoints(r.points)
	}
	return seriesOfHistory(r.History)
}

func newRunSeries(n int, full bool) *runSeries {
	s := &runSeries{full: full, requests: map[string][]float64{}, errors: map[int][]float64{}}
	s.t = make([]float64, 0, n)
	return s
}

func seriesOfPoints(points []stats.Point) *runSeries {
	s := newRunSeries(len(points), true)
	codes := map[int]bool{}
	for i := range points {
		for _, c := range points[i].Status {
			codes[c.Code] = true
		}
	}
	for c := range codes {
		s.errors[c] = nil
	}
	var seg, man stats.HistogramSnapshot
	for i := range points {
		p := &points[i]
		var prev *stats.Point
		if i > 0 {
			prev = &points[i-1]
		}
		dt := p.Elapsed.Seconds()
		if prev != nil {
			dt -= prev.Elapsed.Seconds()
		}
		s.t = append(s.t, p.Elapsed.Seconds())
		s.active = append(s.active, float64(p.Clients.Active))
		s.stalled = append(s.stalled, float64(p.Clients.Stalled))
		for k, name := range kindNames {
			var before uint64
			if prev != nil {
				before = prev.Counters.Requests[chartKind(k)]
			}
			s.requests[name] = append(s.requests[name], perSecond(p.Counters.Requests[chartKind(k)], before, dt))
		}
		for c := range codes {
			var before uint64
			if prev != nil {
				before = statusCount(prev.Status, c)
			}
			s.errors[c] = append(s.errors[c], perSecond(statusCount(p.Status, c), before, dt))
		}
		var before uint64
		if prev != nil {
			before = prev.Counters.Timeouts
		}
		s.timeouts = append(s.timeouts, perSecond(p.Counters.Timeouts, before, dt))
		seg.CopyFrom(&p.SegmentLatency)
		man.CopyFrom(&p.ManifestLatency)
		if prev != nil {
			seg.Sub(&prev.SegmentLatency)
			man.Sub(&prev.ManifestLatency)
		}
		for q, quantile := range seriesQuantiles {
			s.seg[q] = append(s.seg[q], quantileMS(&seg, quantile))
			s.man[q] = append(s.man[q], quantileMS(&man, quantile))
		}
		s.appendQoE(p.SpeedViewers, p.SpeedMin, p.SpeedMean, p.DriftMax)
	}
	return s
}

func seriesOfHistory(history []HistoryPoint) *runSeries {
	s := newRunSeries(len(history), false)
	for i := range history {
		p := &history[i]
		var prev *HistoryPoint
		if i > 0 {
			prev = &history[i-1]
		}
		dt := p.Elapsed.Seconds()
		if prev != nil {
			dt -= prev.Elapsed.Seconds()
		}
		s.t = append(s.t, p.Elapsed.Seconds())
		s.active = append(s.active, float64(p.Active))
		s.stalled = append(s.stalled, float64(p.Stalled))
		var errs, touts uint64
		var reqs KindCounts
		if prev != nil {
			errs, touts, reqs = prev.HTTPErrors, prev.Timeouts, prev.Requests
		}
		for _, name := range kindNames {
			s.requests[name] = append(s.requests[name], perSecond(p.Requests.Get(name), reqs.Get(name), dt))
		}
		s.errors[-1] = append(s.errors[-1], perSecond(p.HTTPErrors, errs, dt))
		s.timeouts = append(s.timeouts, perSecond(p.Timeouts, touts, dt))
		p95 := math.NaN()
		if p.SegmentP95 > 0 {
			p95 = ms(p.SegmentP95)
		}
		s.seg[1] = append(s.seg[1], p95)
		s.appendQoE(p.SpeedViewers, p.SpeedMin, p.SpeedMean, p.DriftMax)
	}
	return s
}

// appendQoE appends one point's speed and drift; NaN when no viewer had a
// measured speed.
func (s *runSeries) appendQoE(viewers int, speedMin, speedMean float64, drift time.Duration) {
	if viewers == 0 {
		speedMin, speedMean = math.NaN(), math.NaN()
	}
	s.speedMin = append(s.speedMin, speedMin)
	s.speedMean = append(s.speedMean, speedMean)
	s.drift = append(s.drift, drift.Seconds())
}

// errorCodes returns the status codes with errors, ascending (-1, all
// codes, for a series read from Result.History).
func (s *runSeries) errorCodes() []int {
	codes := make([]int, 0, len(s.errors))
	for c := range s.errors {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	return codes
}

func chartKind(i int) stats.Kind {
	return [...]stats.Kind{stats.KindManifest, stats.KindSegment, stats.KindInit, stats.KindUnknown}[i]
}

func statusCount(s []stats.StatusCount, code int) uint64 {
	for _, c := range s {
		if c.Code == code {
			return c.Count
		}
	}
	return 0
}

// perSecond returns (now-before)/dt; the first point divides by its own
// elapsed time, and a non-positive interval gives NaN.
func perSecond(now, before uint64, dt float64) float64 {
	if dt <= 0 {
		return math.NaN()
	}
	if now < before {
		return 0
	}
	return float64(now-before) / dt
}

func quantileMS(h *stats.HistogramSnapshot, q float64) float64 {
	if h.Count == 0 {
		return math.NaN()
	}
	return ms(h.Quantile(q))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
