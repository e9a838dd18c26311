package loadtest

import (
	"fmt"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// Histogram is a latency histogram as a report stores it, losslessly:
// Count, Sum, Min and Max exact, and the bucket counts as a sparse bucket
// list.
//
// Buckets holds (gap, count) pairs, one per bucket whose count is not
// zero (in a history point: whose count changed since the previous
// point), in increasing bucket order; gap is the number of bucket
// indexes skipped since the previous pair's bucket (the first pair's
// since index 0). Bucket indexes are HdrHistogram's counts indexes for
// nanoseconds at 2 significant digits: indexes 0..255 hold the values
// 0..255 ns; above, index i = 128·(e+1) + (v >> e) - 128 for a value v in
// [256·2^e, 512·2^e), so each doubling has 128 buckets of width 2^e ns.
// The last index, 4735, also holds every value above about 2h26m.
type Histogram struct {
	Count   uint64        `json:"count"`
	Sum     time.Duration `json:"sum_ns"`
	Min     time.Duration `json:"min_ns"`
	Max     time.Duration `json:"max_ns"`
	Buckets []int64       `json:"buckets"`
}

// Histograms are a run's latency histograms, whole run: those of
// Result.SegmentLatency, ManifestLatency, Startup and StartLatency.
type Histograms struct {
	Segment      Histogram `json:"segment_latency"`
	Manifest     Histogram `json:"manifest_latency"`
	Startup      Histogram `json:"startup_time"`
	StartLatency Histogram `json:"start_latency"`
	// SegmentTTFB is present once the native engine measured a time to
	// first byte (never in an ffmpeg run's report).
	SegmentTTFB *Histogram `json:"segment_ttfb,omitempty"`
}

// PointHistograms are the latency histograms of a history point:
// cumulative since the start of the run, like its counts. Their Buckets
// hold what changed since the previous point (counts added), so that a
// report grows with the latencies of each second, not with the run's.
type PointHistograms struct {
	Segment     Histogram  `json:"segment_latency"`
	Manifest    Histogram  `json:"manifest_latency"`
	SegmentTTFB *Histogram `json:"segment_ttfb,omitempty"` // as in Histograms
}

// optionalHistogramOf is histogramOf, or nil for an empty histogram: a
// cumulative histogram empty at one point was empty at every point before.
func optionalHistogramOf(s, base *stats.HistogramSnapshot) *Histogram {
	if s.Count == 0 {
		return nil
	}
	h := histogramOf(s, base)
	return &h
}

// optionalSnapshot decodes an optional histogram: nil is empty.
func optionalSnapshot(h *Histogram, base *stats.HistogramSnapshot) (stats.HistogramSnapshot, error) {
	if h == nil {
		return stats.HistogramSnapshot{}, nil
	}
	return h.snapshot(base)
}

// histogramOf encodes s relative to base (nil: none).
func histogramOf(s, base *stats.HistogramSnapshot) Histogram {
	return Histogram{Count: s.Count, Sum: s.Sum, Min: s.Min, Max: s.Max, Buckets: s.AppendSparse([]int64{}, base)}
}

// snapshot decodes h relative to base (nil: none).
func (h *Histogram) snapshot(base *stats.HistogramSnapshot) (stats.HistogramSnapshot, error) {
	var s stats.HistogramSnapshot
	err := s.SetSparse(h.Buckets, base, h.Count, h.Sum, h.Min, h.Max)
	return s, err
}

// countersOf returns the counters of t, the inverse of totalsOf.
func countersOf(t *Totals) stats.Counters {
	var c stats.Counters
	setKinds := func(dst *[stats.NumKinds]uint64, k KindCounts) {
		dst[stats.KindManifest], dst[stats.KindSegment], dst[stats.KindInit], dst[stats.KindUnknown] = k.Manifest, k.Segment, k.Init, k.Unknown
	}
	setKinds(&c.Requests, t.Requests)
	setKinds(&c.HTTPErrorsByKind, t.HTTPErrorsByKind)
	c.Bytes, c.HTTPErrors = t.Bytes, t.HTTPErrors
	c.Reconnects, c.Timeouts, c.ConnRefused, c.Restarts = t.Reconnects, t.Timeouts, t.ConnRefused, t.Restarts
	c.ProgressLines, c.StderrLines = t.ProgressLines, t.StderrLines
	c.DroppedProgressLines, c.DroppedStderrLines = t.DroppedProgressLines, t.DroppedStderrLines
	if c.DroppedProgressLines+c.DroppedStderrLines != t.DroppedLines { // a v1 report: only the sum
		c.DroppedProgressLines, c.DroppedStderrLines = t.DroppedLines, 0
	}
	c.SegmentFailures, c.PlaylistFailures, c.ExpiredSkips = t.SegmentFailures, t.PlaylistFailures, t.ExpiredSkips
	c.SegmentLatencies = t.SegmentLatencies
	c.PlaybackTime, c.Stalls = uint64(max(t.PlaybackTime, 0)), t.Stalls
	c.StallTime, c.RenditionSwitches = uint64(max(t.StallTime, 0)), t.RenditionSwitches
	return c
}

// statusOf returns the status counts of s, the inverse of statusCounts.
func statusOf(s []StatusCount) []stats.StatusCount {
	if len(s) == 0 {
		return nil
	}
	out := make([]stats.StatusCount, len(s))
	for i, c := range s {
		out[i] = stats.StatusCount{Code: c.Code, Count: c.Count}
	}
	return out
}

// generatorOfSample returns the reading g, the inverse of generatorSampleOf.
func generatorOfSample(g *GeneratorSample) stats.Generator {
	var out stats.Generator
	if g == nil {
		return out
	}
	if g.CPUPressure != nil {
		out.Known |= stats.GenCPUPressure
		out.CPUPressure = *g.CPUPressure
	}
	if g.Load != nil {
		out.Known |= stats.GenLoad
		out.Load = *g.Load
	}
	if g.SchedLatencyP99 != nil {
		out.Known |= stats.GenSchedLatency
		out.SchedLatencyP99 = *g.SchedLatencyP99
	}
	if g.MemPressure != nil {
		out.Known |= stats.GenMemPressure
		out.MemPressure = *g.MemPressure
	}
	if g.MemAvailable != nil {
		out.Known |= stats.GenMemAvailable
		out.MemAvailable = *g.MemAvailable
	}
	if g.FDs != nil && g.FDLimit != nil {
		out.Known |= stats.GenFDs
		out.FDs, out.FDLimit = *g.FDs, *g.FDLimit
	}
	if g.SlowViewers != nil {
		out.Known |= stats.GenSlowViewers
		out.SlowViewers = *g.SlowViewers
	}
	return out
}

// restoreStats rebuilds, from a report read back, the stats snapshot and
// history points that thresholds read (see threshold.Source), so that a
// Result read back gives the verdicts the live one gave. A v1 report has
// no histograms and no full counters per point: its snapshot holds the
// counters and gauges of the whole run, no latencies, and it has no
// history.
func (r *Result) restoreStats() error {
	s := &stats.Snapshot{
		Elapsed: r.StatsElapsed,
		Clients: stats.Clients{
			Total: r.Clients.Total, Active: r.Clients.Active, Stalled: r.Clients.Stalled, Ended: r.Clients.Ended,
		},
		Counters:     countersOf(&r.Totals),
		Status:       statusOf(r.Totals.Status),
		SpeedViewers: r.QoE.SpeedViewers,
		SpeedMin:     r.QoE.SpeedMin, SpeedMean: r.QoE.SpeedMean, DriftMax: r.QoE.DriftMax,
	}
	if s.Elapsed == 0 {
		s.Elapsed = r.Elapsed()
	}
	if !r.StatsEpoch.IsZero() {
		s.Time = r.StatsEpoch.Add(s.Elapsed)
	}
	if h := r.Histograms; h != nil {
		var err error
		if s.SegmentLatency, err = h.Segment.snapshot(nil); err != nil {
			return fmt.Errorf("histograms.segment_latency: %w", err)
		}
		if s.ManifestLatency, err = h.Manifest.snapshot(nil); err != nil {
			return fmt.Errorf("histograms.manifest_latency: %w", err)
		}
		if s.Startup, err = h.Startup.snapshot(nil); err != nil {
			return fmt.Errorf("histograms.startup_time: %w", err)
		}
		if s.SegmentTTFB, err = optionalSnapshot(h.SegmentTTFB, nil); err != nil {
			return fmt.Errorf("histograms.segment_ttfb: %w", err)
		}
	}
	r.snap = s
	r.points = nil
	if r.Schema == reportSchemaV1 {
		return nil
	}
	points := make([]stats.Point, 0, len(r.History))
	var prev stats.Point
	for i := range r.History {
		hp := &r.History[i]
		if hp.Totals == nil || hp.Histograms == nil {
			return fmt.Errorf("history[%d]: no totals or histograms; want both in a %s report", i, ReportSchema)
		}
		p := stats.Point{
			Elapsed:  hp.Elapsed,
			Clients:  stats.Clients{Active: hp.Active, Stalled: hp.Stalled},
			Counters: countersOf(hp.Totals), Status: statusOf(hp.Totals.Status),
			SpeedViewers: hp.SpeedViewers, SpeedMin: hp.SpeedMin, SpeedMean: hp.SpeedMean, DriftMax: hp.DriftMax,
			Generator: generatorOfSample(hp.Generator),
		}
		if !r.StatsEpoch.IsZero() {
			p.Time = r.StatsEpoch.Add(hp.Elapsed)
		}
		var err error
		if p.SegmentLatency, err = hp.Histograms.Segment.snapshot(&prev.SegmentLatency); err != nil {
			return fmt.Errorf("history[%d].histograms.segment_latency: %w", i, err)
		}
		if p.ManifestLatency, err = hp.Histograms.Manifest.snapshot(&prev.ManifestLatency); err != nil {
			return fmt.Errorf("history[%d].histograms.manifest_latency: %w", i, err)
		}
		if p.SegmentTTFB, err = optionalSnapshot(hp.Histograms.SegmentTTFB, &prev.SegmentTTFB); err != nil {
			return fmt.Errorf("history[%d].histograms.segment_ttfb: %w", i, err)
		}
		points = append(points, p)
		prev = p
	}
	r.points = points
	return nil
}
