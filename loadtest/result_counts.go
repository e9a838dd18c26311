package loadtest

import (
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// ClientCounts counts viewers. Target is the fleet size asked for at the
// end (Config.Clients or the last Scale). Total, Active, Stalled and Ended
// count only viewers whose ffmpeg ran; NeverStarted counts the viewers
// whose start the OS refused (a missing binary, too many open files),
// which fail the run.
type ClientCounts struct {
	Target       int `json:"target"`
	Total        int `json:"total"`
	Active       int `json:"active"`
	Stalled      int `json:"stalled"`
	Ended        int `json:"ended"`
	NeverStarted int `json:"never_started,omitempty"`
}

// KindCounts holds one count per request kind.
type KindCounts struct {
	Manifest uint64 `json:"manifest"`
	Segment  uint64 `json:"segment"`
	Init     uint64 `json:"init"`
	Unknown  uint64 `json:"unknown"`
}

// Total returns the sum over kinds.
func (k KindCounts) Total() uint64 { return k.Manifest + k.Segment + k.Init + k.Unknown }

// Get returns the count of the kind named "manifest", "segment", "init" or
// "unknown", and 0 for any other name.
func (k KindCounts) Get(kind string) uint64 {
	switch kind {
	case "manifest":
		return k.Manifest
	case "segment":
		return k.Segment
	case "init":
		return k.Init
	case "unknown":
		return k.Unknown
	}
	return 0
}

func kindCounts(a [stats.NumKinds]uint64) KindCounts {
	return KindCounts{
		Manifest: a[stats.KindManifest], Segment: a[stats.KindSegment],
		Init: a[stats.KindInit], Unknown: a[stats.KindUnknown],
	}
}

// StatusCount is the number of HTTP errors with one status code; Code 0
// stands for codes outside 100..599.
type StatusCount struct {
	Code  int    `json:"code"`
	Count uint64 `json:"count"`
}

// statusCounts converts status counts; nil when there are none.
func statusCounts(in []stats.StatusCount) []StatusCount {
	if len(in) == 0 {
		return nil
	}
	out := make([]StatusCount, 0, len(in))
	for _, s := range in {
		out = append(out, StatusCount{Code: s.Code, Count: s.Count})
	}
	return out
}

// Totals are counters summed over viewers. Names follow the metric
// catalogue (see package assert).
type Totals struct {
	Requests         KindCounts    `json:"requests"`
	Bytes            uint64        `json:"bytes"`
	HTTPErrors       uint64        `json:"http_errors"`
	HTTPErrorsByKind KindCounts    `json:"http_errors_by_kind"`
	Status           []StatusCount `json:"http_errors_by_code"`
	Reconnects       uint64        `json:"reconnects"`
	Timeouts         uint64        `json:"timeouts"`
	ConnRefused      uint64        `json:"conn_refused"`
	Restarts         uint64        `json:"restarts"`
	SegmentFailures  uint64        `json:"segment_failures"`
	PlaylistFailures uint64        `json:"playlist_failures"`
	ExpiredSkips     uint64        `json:"expired_skips"`
	ProgressLines    uint64        `json:"progress_lines"`
	StderrLines      uint64        `json:"stderr_lines"`
	DroppedLines     uint64        `json:"dropped_lines"`
	// DroppedProgressLines and DroppedStderrLines split DroppedLines by
	// pipe; SegmentLatencies counts the segment and init requests whose
	// latency was measured (schema v2).
	DroppedProgressLines uint64 `json:"dropped_progress_lines"`
	DroppedStderrLines   uint64 `json:"dropped_stderr_lines"`
	SegmentLatencies     uint64 `json:"segment_latencies"`
	// PlaybackTime, Stalls, StallTime and RenditionSwitches are what the
	// native engine's buffer model measured (see the catalogue's
	// playback_time, stalls, stall_time and rendition_switches): absent
	// when PlaybackTime is 0, as on an ffmpeg run, which does not measure
	// them.
	PlaybackTime      time.Duration `json:"playback_time_ns,omitempty"`
	Stalls            uint64        `json:"stalls,omitempty"`
	StallTime         time.Duration `json:"stall_time_ns,omitempty"`
	RenditionSwitches uint64        `json:"rendition_switches,omitempty"`
}

// PlaybackMeasured reports whether a buffer model (the native engine)
// measured the playback in t: stalls, stall time and switches are then
// observations, 0 included.
func (t *Totals) PlaybackMeasured() bool { return t.PlaybackTime > 0 }

// RebufferRatio returns stall time / playback time, and false when no
// playback was measured.
func (t *Totals) RebufferRatio() (float64, bool) {
	if t.PlaybackTime <= 0 {
		return 0, false
	}
	return float64(t.StallTime) / float64(t.PlaybackTime), true
}

// HTTPErrorsFor returns the number of HTTP errors with status code.
func (t *Totals) HTTPErrorsFor(code int) uint64 {
	for _, s := range t.Status {
		if s.Code == code {
			return s.Count
		}
	}
	return 0
}

func totalsOf(c *stats.Counters, status []stats.StatusCount) Totals {
	return Totals{
		Requests: kindCounts(c.Requests), Bytes: c.Bytes,
		HTTPErrors: c.HTTPErrors, HTTPErrorsByKind: kindCounts(c.HTTPErrorsByKind),
		Status:     append([]StatusCount{}, statusCounts(status)...), // [] rather than null in JSON
		Reconnects: c.Reconnects, Timeouts: c.Timeouts, ConnRefused: c.ConnRefused, Restarts: c.Restarts,
		SegmentFailures: c.SegmentFailures, PlaylistFailures: c.PlaylistFailures, ExpiredSkips: c.ExpiredSkips,
		ProgressLines: c.ProgressLines, StderrLines: c.StderrLines, DroppedLines: c.DroppedLines(),
		DroppedProgressLines: c.DroppedProgressLines, DroppedStderrLines: c.DroppedStderrLines,
		SegmentLatencies: c.SegmentLatencies,
		PlaybackTime:     time.Duration(c.PlaybackTime), Stalls: c.Stalls,
		StallTime: time.Duration(c.StallTime), RenditionSwitches: c.RenditionSwitches,
	}
}

// Rates are derived ratios in [0,1]; 0 when the denominator is 0.
type Rates struct {
	HTTPErrorRate   float64 `json:"http_error_rate"`
	TimeoutRate     float64 `json:"timeout_rate"`
	DroppedLineRate float64 `json:"dropped_line_rate"`
	// SegmentLatencyCoverage is the share of segment and init requests
	// whose latency was measured: what SegmentLatency rests on.
	SegmentLatencyCoverage float64 `json:"segment_latency_coverage"`
}

// Distribution summarizes a latency histogram. Quantiles carry the
// histogram's relative error (under 1 %); Count, Min, Max and Mean are
// exact. All durations are zero when Count is 0.
type Distribution struct {
	Count uint64        `json:"count"`
	Min   time.Duration `json:"min_ns"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P95   time.Duration `json:"p95_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

func distributionOf(h *stats.HistogramSnapshot) Distribution {
	if h.Count == 0 {
		return Distribution{}
	}
	return Distribution{
		Count: h.Count, Min: h.Min, Mean: h.Mean(), Max: h.Max,
		P50: h.Quantile(0.50), P90: h.Quantile(0.90), P95: h.Quantile(0.95), P99: h.Quantile(0.99),
	}
}

// QoE says how well the viewers kept up with the stream. Speed is media
// time advanced per wall time (1.0 keeps up), judged by the stats package
// from the steps of ffmpeg's out_time over 5 s or more, after each run's
// first 2 s (so a viewer needs about 7 s of progress to have one), over
// running viewers, just before the fleet stopped (the history has it per
// second).
type QoE struct {
	SpeedMin  float64 `json:"speed_min"`
	SpeedMean float64 `json:"speed_mean"`
	// StalledViewers is how many viewers were stalled at the end; peak is
	// the most stalled at once in any history point.
	StalledViewers     int `json:"stalled_viewers"`
	PeakStalledViewers int `json:"peak_stalled_viewers"`
	// DriftMax is the most playback time a viewer lost since its best
	// position (its media time falling behind wall time; 0 while it keeps up).
	DriftMax time.Duration `json:"drift_max_ns"`
	// SpeedViewers is how many viewers SpeedMin and SpeedMean cover.
	SpeedViewers int `json:"speed_viewers"`
}
