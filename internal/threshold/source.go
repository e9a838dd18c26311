package threshold

import (
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// Source is what thresholds are evaluated on: a finished run or a running
// fleet. loadtest implements it with *loadtest.Result and *loadtest.Fleet.
//
// Counters, rates and distributions are read as cumulative values: the final
// snapshot minus the history point at the warm-up boundary, or, for windows,
// one history point minus an earlier one. Gauges (speed, drift, clients) are
// read from the history points after the warm-up; the final snapshot is used
// for gauges only when the history is empty.
type Source interface {
	// FinalSnapshot returns the cumulative totals at the end of the run, or
	// now for a running fleet. It may return nil when nothing was recorded.
	FinalSnapshot() *stats.Snapshot
	// HistoryPoints returns the per-second cumulative points, oldest first.
	// Evaluation only reads them.
	HistoryPoints() []stats.Point
	// WarmUpPeriod returns the start of the run that thresholds ignore
	// (points with Elapsed below it); a threshold written with "after"
	// overrides it.
	WarmUpPeriod() time.Duration
}

// sample is one instant of a run, a history point or the final snapshot,
// viewed through pointers so that building one does not copy histograms.
type sample struct {
	elapsed            time.Duration
	counters           *stats.Counters
	status             []stats.StatusCount
	seg, man, startup  *stats.HistogramSnapshot // startup is nil for history points
	ttfb               *stats.HistogramSnapshot
	active, stalled    int
	speedViewers       int // active viewers with progress: speed and drift cover them
	speedMin, speedAvg float64
	driftMax           time.Duration
	gen                *stats.Generator
}

func pointSample(p *stats.Point) sample {
	return sample{
		elapsed: p.Elapsed, counters: &p.Counters, status: p.Status,
		seg: &p.SegmentLatency, man: &p.ManifestLatency, ttfb: &p.SegmentTTFB,
		active: p.Clients.Active, stalled: p.Clients.Stalled, speedViewers: p.SpeedViewers,
		speedMin: p.SpeedMin, speedAvg: p.SpeedMean, driftMax: p.DriftMax, gen: &p.Generator,
	}
}

func snapshotSample(s *stats.Snapshot) sample {
	return sample{
		elapsed: s.Elapsed, counters: &s.Counters, status: s.Status,
		seg: &s.SegmentLatency, man: &s.ManifestLatency, startup: &s.Startup, ttfb: &s.SegmentTTFB,
		active: s.Clients.Active, stalled: s.Clients.Stalled, speedViewers: s.SpeedViewers,
		speedMin: s.SpeedMin, speedAvg: s.SpeedMean, driftMax: s.DriftMax, gen: &s.Generator,
	}
}

// timeline indexes the samples of one evaluation: the history points,
// followed by the final snapshot when it is newer than the last point (or
// in place of the last point when taken at the same time).
type timeline struct {
	points []stats.Point
	final  *stats.Snapshot // nil when not part of the timeline
}

// view is what one evaluation reads from a Source, fetched once so that all
// thresholds of a Set see the same instant and a live fleet copies its
// history once per evaluation.
type view struct {
	points []stats.Point
	final  *stats.Snapshot
	warm   time.Duration

	spans     []SaturatedSpan // the generator's saturated spans, once read
	spansRead bool
}

// saturatedSpans returns the generator's saturated spans of the points,
// computed on first use (only failing verdicts need them).
func (v *view) saturatedSpans() []SaturatedSpan {
	if !v.spansRead {
		v.spans, v.spansRead = SaturatedSpans(v.points), true
	}
	return v.spans
}

// end returns the elapsed time of the newest sample.
func (v *view) end() time.Duration {
	e := time.Duration(0)
	if n := len(v.points); n > 0 {
		e = v.points[n-1].Elapsed
	}
	if v.final != nil {
		e = max(e, v.final.Elapsed)
	}
	return e
}

func viewOf(src Source) view {
	if src == nil {
		return view{}
	}
	return view{points: ordered(src.HistoryPoints()), final: src.FinalSnapshot(), warm: src.WarmUpPeriod()}
}

// ordered returns the points whose Elapsed is not negative and grows
// strictly, dropping the others; it copies only when it drops some. A
// History always gives ordered points; this keeps other sources from
// producing windows that end before they start.
func ordered(points []stats.Point) []stats.Point {
	ok := true
	for i := range points {
		if points[i].Elapsed < 0 || (i > 0 && points[i].Elapsed <= points[i-1].Elapsed) {
			ok = false
			break
		}
	}
	if ok {
		return points
	}
	out := make([]stats.Point, 0, len(points))
	for _, p := range points {
		if p.Elapsed >= 0 && (len(out) == 0 || p.Elapsed > out[len(out)-1].Elapsed) {
			out = append(out, p)
		}
	}
	return out
}

func newTimeline(src *view, withFinal bool) timeline {
	tl := timeline{points: src.points}
	f := src.final
	if f == nil || (!withFinal && len(tl.points) > 0) {
		return tl
	}
	n := len(tl.points)
	switch {
	case n == 0 || f.Elapsed > tl.points[n-1].Elapsed:
		tl.final = f
	case f.Elapsed == tl.points[n-1].Elapsed:
		// The final snapshot is the last point, with the startup histogram.
		tl.points, tl.final = tl.points[:n-1], f
	}
	return tl
}

func (tl *timeline) len() int {
	if tl.final != nil {
		return len(tl.points) + 1
	}
	return len(tl.points)
}

func (tl *timeline) at(i int) sample {
	if i == len(tl.points) {
		return snapshotSample(tl.final)
	}
	return pointSample(&tl.points[i])
}

func (tl *timeline) elapsed(i int) time.Duration {
	if i == len(tl.points) {
		return tl.final.Elapsed
	}
	return tl.points[i].Elapsed
}

// firstAtOrAfter returns the index of the first sample with elapsed >= d, or
// len() when there is none.
func (tl *timeline) firstAtOrAfter(d time.Duration) int {
	n := tl.len()
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if tl.elapsed(m) < d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
