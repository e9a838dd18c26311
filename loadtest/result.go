package loadtest

import (
	"sort"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// Result is what a run measured: plain data, JSON-tagged (see
// ReportSchema for the file format). Counts are cumulative over the whole
// run, warm-up included; thresholds (package assert) skip the warm-up by
// reading the history.
type Result struct {
	// Schema is ReportSchema; it changes when a field changes meaning.
	Schema string `json:"schema"`
	// Test is the name of the test that ran the fleet.
	Test string `json:"test"`
	// Config is the configuration the run used, defaults filled in.
	Config ConfigEcho `json:"config"`
	// Start is when the first viewer was scheduled; End when the last
	// viewer was stopped.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// FFmpeg names the binary the viewers ran.
	FFmpeg FFmpegInfo `json:"ffmpeg"`
	// Clients counts viewers at the end of the run; Active and Stalled
	// are taken just before the viewers were stopped.
	Clients ClientCounts `json:"clients"`
	// Totals are the counters summed over all viewers.
	Totals Totals `json:"totals"`
	// Rates are ratios derived from Totals.
	Rates Rates `json:"rates"`
	// SegmentLatency (segment and init requests) and ManifestLatency are
	// request latencies as read from ffmpeg's log, merged over viewers.
	SegmentLatency  Distribution `json:"segment_latency"`
	ManifestLatency Distribution `json:"manifest_latency"`
	// SegmentTTFB is the time to first byte of segment and init
	// responses, measured by the native engine only (ffmpeg's log does not
	// tell it): zero, and left out of the report, for an ffmpeg run.
	SegmentTTFB Distribution `json:"segment_ttfb,omitzero"`
	// Startup is each viewer's time from process start to its first
	// segment request.
	Startup Distribution `json:"startup_time"`
	// StartLatency is each ffmpeg start's time from spawn to its first
	// HTTP request (the cost of exec, library loading and probing).
	StartLatency Distribution `json:"start_latency"`
	// QoE is how well the viewers kept up.
	QoE QoE `json:"qoe"`
	// Generator is how well the machine running the viewers kept up.
	Generator GeneratorHealth `json:"generator"`
	// Exits counts ffmpeg exits by class: "clean" (status 0, a VOD played
	// to its end), "ended-early" (status 0 before the fleet stopped, on a
	// live stream: see RestartPolicy), "error" (non-zero status),
	// "stopped" (by the fleet),
	// "signaled" (killed by someone else), "start-failed". A fleet stopped
	// at its end reports its viewers as stopped.
	Exits map[string]int `json:"exits"`
	// Replays counts VOD viewers that played to the end and started again
	// (Config.VOD = VODWatch): new members of the audience, not restarts.
	Replays int `json:"replays,omitempty"`
	// Viewers has one row per viewer, by ID.
	Viewers []ViewerResult `json:"viewers"`
	// History has about one point per second of the run, oldest first.
	History []HistoryPoint `json:"history"`
	// Origin is the origin's own count of the run's requests, when
	// Config.Origin was set; nil otherwise.
	Origin *OriginTruth `json:"origin,omitempty"`
	// Aborted is set when a live threshold stopped the run early.
	Aborted *Abort `json:"aborted,omitempty"`
	// StartErrors holds the ffmpeg error text of viewers that failed to
	// start, once per distinct message.
	StartErrors []string `json:"start_errors,omitempty"`
	// Histograms are the run's latency histograms, lossless (schema v2;
	// nil in a Result read from a v1 report): SegmentLatency,
	// ManifestLatency and Startup are summaries of them.
	Histograms *Histograms `json:"histograms,omitempty"`
	// StatsEpoch is the wall-clock time the history's Elapsed values
	// count from, and StatsElapsed the Elapsed of the final counts (the
	// stats clock starts a moment before Start).
	StatsEpoch   time.Time     `json:"stats_epoch,omitzero"`
	StatsElapsed time.Duration `json:"stats_elapsed_ns,omitempty"`
	// Protocols says which HTTP protocol the viewers spoke; nil in a
	// Result read from a report written before it was recorded.
	Protocols *Protocols `json:"protocols,omitempty"`
	// Shards lists the shards a merged Result (see Merge) was made of, by
	// index; empty for a run of one process.
	Shards []ShardInfo `json:"shards,omitempty"`

	snap   *stats.Snapshot
	points []stats.Point
	warmUp time.Duration

	htmlPath string        // the HTML report written at the end of the run, if any
	baseline *htmlBaseline // drawn on the HTML report (ShowBaseline)
}

// ConfigEcho is the configuration a run used, with defaults filled in.
// Header values are not echoed (they may hold credentials).
type ConfigEcho struct {
	URL              string        `json:"url"`
	Clients          int           `json:"clients"`
	Ramp             time.Duration `json:"ramp_ns"`
	Duration         time.Duration `json:"duration_ns"`
	WarmUp           time.Duration `json:"warm_up_ns"`
	Variant          Variant       `json:"variant"`
	KeepAlive        KeepAlive     `json:"keep_alive"`
	Timeout          time.Duration `json:"timeout_ns"`
	Reconnect        bool          `json:"reconnect"`
	HeaderNames      []string      `json:"header_names,omitempty"`
	UserAgent        string        `json:"user_agent,omitempty"`
	RestartPolicy    RestartPolicy `json:"restart_policy"`
	ProgressInterval time.Duration `json:"progress_interval_ns"`
	Thresholds       []string      `json:"thresholds,omitempty"`
	ThresholdDelay   time.Duration `json:"threshold_delay_ns"`
	MetricsAddr      string        `json:"metrics_addr,omitempty"`
	Seed             int64         `json:"seed"`
	// Shard, RunID and StartAt place the run among its shards (see
	// Config.Shard). Clients counts the viewers of the whole run; a
	// merged Result (see Merge) has the zero Shard.
	Shard   Shard     `json:"shard"`
	RunID   string    `json:"run_id,omitempty"`
	StartAt time.Time `json:"start_at,omitzero"`
}

// FFmpegInfo names the ffmpeg binary a run used.
type FFmpegInfo struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

// ViewerResult is one viewer's row.
type ViewerResult struct {
	ID int `json:"id"`
	// Rendition is what the viewer played: its media playlist's path (and
	// its audio rendition's, " + "), or "every rendition".
	Rendition    string        `json:"rendition,omitempty"`
	Active       bool          `json:"active"`
	Stalled      bool          `json:"stalled"`
	Requests     KindCounts    `json:"requests"`
	Bytes        uint64        `json:"bytes"`
	HTTPErrors   uint64        `json:"http_errors"`
	Status       []StatusCount `json:"http_errors_by_code,omitempty"`
	Timeouts     uint64        `json:"timeouts"`
	Reconnects   uint64        `json:"reconnects"`
	Restarts     uint64        `json:"restarts"`
	DroppedLines uint64        `json:"dropped_lines"`
	Speed        float64       `json:"speed"`
	OutTime      time.Duration `json:"out_time_ns"`
	MaxDrift     time.Duration `json:"max_drift_ns"`
	Startup      time.Duration `json:"startup_ns"`
	StalledFor   time.Duration `json:"stalled_for_ns"`
	// Stalls, StallTime and RenditionSwitches are the native engine's
	// buffer model's (absent on an ffmpeg run; see Totals).
	Stalls            uint64        `json:"stalls,omitempty"`
	StallTime         time.Duration `json:"stall_time_ns,omitempty"`
	RenditionSwitches uint64        `json:"rendition_switches,omitempty"`
}

func viewerResultOf(r *stats.ViewerRow) ViewerResult {
	return ViewerResult{
		ID: r.ID, Active: r.Active, Stalled: r.Stalled,
		Requests: kindCounts(r.Requests), Bytes: r.Bytes,
		HTTPErrors: r.HTTPErrors, Status: statusCounts(r.Status),
		Timeouts: r.Timeouts, Reconnects: r.Reconnects, Restarts: r.Restarts,
		DroppedLines: r.DroppedLines(), Speed: r.Speed, OutTime: r.OutTime,
		MaxDrift: r.MaxDrift, Startup: r.Startup, StalledFor: r.StalledFor,
		Stalls: r.Stalls, StallTime: time.Duration(r.StallTime), RenditionSwitches: r.RenditionSwitches,
	}
}

// HistoryPoint is the fleet at one moment of the run. Counts are
// cumulative since the start; SegmentP95 covers the interval since the
// previous point.
type HistoryPoint struct {
	Elapsed      time.Duration `json:"elapsed_ns"`
	Active       int           `json:"active"`
	Stalled      int           `json:"stalled"`
	Requests     KindCounts    `json:"requests"`
	HTTPErrors   uint64        `json:"http_errors"`
	Timeouts     uint64        `json:"timeouts"`
	DroppedLines uint64        `json:"dropped_lines"`
	SegmentP95   time.Duration `json:"segment_p95_ns"`
	// SpeedViewers are the active viewers with a measured speed (steps of
	// out time 5 s apart after the run's first 2 s): SpeedMin and SpeedMean cover
	// them, and are 0 when there are none.
	SpeedViewers int           `json:"speed_viewers"`
	SpeedMin     float64       `json:"speed_min"`
	SpeedMean    float64       `json:"speed_mean"`
	DriftMax     time.Duration `json:"drift_max_ns"`
	// Generator is the generating machine over the second before the
	// point; nil when nothing was read.
	Generator *GeneratorSample `json:"generator,omitempty"`
	// Totals and Histograms are the point's counts and latencies in full
	// (schema v2), what windowed thresholds read.
	Totals     *Totals          `json:"totals,omitempty"`
	Histograms *PointHistograms `json:"histograms,omitempty"`
}

func historyOf(points []stats.Point) []HistoryPoint {
	out := make([]HistoryPoint, 0, len(points))
	var window stats.HistogramSnapshot
	for i := range points {
		p := &points[i]
		window = p.SegmentLatency.Clone()
		if i > 0 {
			window.Sub(&points[i-1].SegmentLatency)
		}
		out = append(out, HistoryPoint{
			Elapsed: p.Elapsed, Active: p.Clients.Active, Stalled: p.Clients.Stalled,
			Requests: kindCounts(p.Counters.Requests), HTTPErrors: p.Counters.HTTPErrors,
			Timeouts: p.Counters.Timeouts, DroppedLines: p.Counters.DroppedLines(),
			SegmentP95:   window.Quantile(0.95),
			SpeedViewers: p.SpeedViewers, SpeedMin: p.SpeedMin, SpeedMean: p.SpeedMean, DriftMax: p.DriftMax,
			Generator: generatorSampleOf(&p.Generator),
			Totals:    ptr(totalsOf(&p.Counters, p.Status)),
		})
		hp := &out[len(out)-1]
		hp.Histograms = &PointHistograms{Segment: histogramOf(&p.SegmentLatency, nil), Manifest: histogramOf(&p.ManifestLatency, nil),
			SegmentTTFB: optionalHistogramOf(&p.SegmentTTFB, nil)}
		if i > 0 {
			prev := &points[i-1]
			hp.Histograms.Segment = histogramOf(&p.SegmentLatency, &prev.SegmentLatency)
			hp.Histograms.Manifest = histogramOf(&p.ManifestLatency, &prev.ManifestLatency)
			hp.Histograms.SegmentTTFB = optionalHistogramOf(&p.SegmentTTFB, &prev.SegmentTTFB)
		}
	}
	return out
}

// OriginTruth is what the origin served during the run: request counts by
// kind ("manifest", "segment", "init", "unknown") and HTTP status, the
// difference of GroundTruth.RequestCounts between the start and the end.
type OriginTruth struct {
	Requests map[string]map[int]int64 `json:"requests"`
}

// Count returns the origin's number of requests of kind (all statuses).
func (o *OriginTruth) Count(kind string) int64 {
	var n int64
	for _, c := range o.Requests[kind] {
		n += c
	}
	return n
}

// CountStatus returns the origin's number of requests of kind answered
// with status.
func (o *OriginTruth) CountStatus(kind string, status int) int64 {
	return o.Requests[kind][status]
}

func originDiff(before, after map[string]map[int]int64) *OriginTruth {
	out := &OriginTruth{Requests: make(map[string]map[int]int64, len(after))}
	for kind, byStatus := range after {
		for status, n := range byStatus {
			if d := n - before[kind][status]; d != 0 {
				if out.Requests[kind] == nil {
					out.Requests[kind] = make(map[int]int64)
				}
				out.Requests[kind][status] = d
			}
		}
	}
	return out
}

// copyCounts deep-copies a RequestCounts map, in case the origin reuses it.
func copyCounts(in map[string]map[int]int64) map[string]map[int]int64 {
	out := make(map[string]map[int]int64, len(in))
	for k, m := range in {
		c := make(map[int]int64, len(m))
		for s, n := range m {
			c[s] = n
		}
		out[k] = c
	}
	return out
}

// Abort says which live threshold stopped the run, and when.
type Abort struct {
	Threshold string        `json:"threshold"`
	At        time.Duration `json:"at_ns"`
	Message   string        `json:"message"`
}

// finalSnapshot returns the fleet's last stats snapshot (nil for a Result
// read back from a report).
func (r *Result) finalSnapshot() *stats.Snapshot { return r.snap }

// historyPoints returns the run's per-second stats history, oldest first.
func (r *Result) historyPoints() []stats.Point { return r.points }

// warmUpPeriod returns Config.WarmUp: the part of the run thresholds skip.
func (r *Result) warmUpPeriod() time.Duration { return r.warmUp }

// Elapsed returns End - Start.
func (r *Result) Elapsed() time.Duration { return r.End.Sub(r.Start) }

func echoConfig(c Config) ConfigEcho {
	names := make([]string, 0, len(c.Headers))
	for n := range c.Headers {
		names = append(names, n)
	}
	sort.Strings(names)
	return ConfigEcho{
		URL: c.URL, Clients: c.Clients, Ramp: c.Ramp, Duration: c.Duration, WarmUp: c.WarmUp,
		Variant: c.Variant, KeepAlive: c.KeepAlive, Timeout: c.Timeout, Reconnect: c.Reconnect, HeaderNames: names,
		UserAgent: c.UserAgent, RestartPolicy: c.RestartPolicy, ProgressInterval: c.ProgressInterval,
		Thresholds: nilIfEmpty(c.Thresholds), ThresholdDelay: c.ThresholdDelay, MetricsAddr: c.MetricsAddr, Seed: c.Seed,
		Shard: c.Shard, RunID: c.RunID, StartAt: c.StartAt,
	}
}

// resultInput is everything the fleet hands over to build a Result.
type resultInput struct {
	test         string
	cfg          Config
	start, end   time.Time
	ffmpeg       FFmpegInfo
	target       int
	snap         *stats.Snapshot
	points       []stats.Point
	startLatency *stats.HistogramSnapshot
	exits        map[string]int
	origin       *OriginTruth
	aborted      *Abort
	startErrors  []string
	unstarted    map[int]bool // viewers that never ran
	replays      int
	rendition    func(id int) string // what viewer id played; nil: unknown
	protocols    *Protocols
}

func buildResult(in resultInput) *Result {
	s := in.snap
	r := &Result{
		Schema: ReportSchema, Test: in.test, Config: echoConfig(in.cfg),
		Start: in.start, End: in.end, FFmpeg: in.ffmpeg,
		Clients: ClientCounts{
			Target: in.target, Total: s.Clients.Total, Active: s.Clients.Active,
			Stalled: s.Clients.Stalled, Ended: s.Clients.Ended,
		},
		Totals: totalsOf(&s.Counters, s.Status),
		Rates: Rates{
			HTTPErrorRate:          stats.HTTPErrorRate(&s.Counters).Value,
			TimeoutRate:            stats.TimeoutRate(&s.Counters).Value,
			DroppedLineRate:        stats.DroppedLineRate(&s.Counters).Value,
			SegmentLatencyCoverage: stats.SegmentLatencyCoverage(&s.Counters).Value,
		},
		SegmentLatency:  distributionOf(&s.SegmentLatency),
		ManifestLatency: distributionOf(&s.ManifestLatency),
		SegmentTTFB:     distributionOf(&s.SegmentTTFB),
		Startup:         distributionOf(&s.Startup),
		QoE: QoE{
			SpeedViewers: s.SpeedViewers,
			SpeedMin:     s.SpeedMin, SpeedMean: s.SpeedMean,
			StalledViewers: s.Clients.Stalled, DriftMax: s.DriftMax,
		},
		Generator:   generatorOf(in.points, in.cfg.WarmUp), // StartLatencyP95 below
		Exits:       in.exits,
		Replays:     in.replays,
		History:     historyOf(in.points),
		Origin:      in.origin,
		Aborted:     in.aborted,
		StartErrors: nilIfEmpty(in.startErrors),
		Histograms: &Histograms{
			Segment: histogramOf(&s.SegmentLatency, nil), Manifest: histogramOf(&s.ManifestLatency, nil),
			Startup: histogramOf(&s.Startup, nil), SegmentTTFB: optionalHistogramOf(&s.SegmentTTFB, nil),
		},
		StatsElapsed: s.Elapsed,
		Protocols:    in.protocols,
		snap:         s, points: in.points, warmUp: in.cfg.WarmUp,
	}
	if r.Exits == nil {
		r.Exits = map[string]int{}
	}
	if !s.Time.IsZero() {
		r.StatsEpoch = s.Time.Add(-s.Elapsed).Round(0) // wall clock only: what a report keeps
	}
	if in.startLatency != nil {
		r.StartLatency = distributionOf(in.startLatency)
		r.Histograms.StartLatency = histogramOf(in.startLatency, nil)
		r.Generator.StartLatencyP95 = r.StartLatency.P95
		if in.cfg.Engine == EngineNative {
			// A native viewer's start is a goroutine's: ffmpeg's quiet
			// start is no yardstick for it.
			r.Generator.StartLatencyQuiet = 0
		}
	}
	for _, p := range r.History {
		r.QoE.PeakStalledViewers = max(r.QoE.PeakStalledViewers, p.Stalled)
	}
	r.QoE.PeakStalledViewers = max(r.QoE.PeakStalledViewers, r.QoE.StalledViewers)
	r.Viewers = make([]ViewerResult, 0, len(s.Viewers))
	for i := range s.Viewers {
		if !in.unstarted[s.Viewers[i].ID] {
			v := viewerResultOf(&s.Viewers[i])
			if in.rendition != nil {
				v.Rendition = in.rendition(v.ID)
			}
			r.Viewers = append(r.Viewers, v)
		}
	}
	r.Clients.NeverStarted = len(in.unstarted)
	r.Clients.Total -= min(len(in.unstarted), r.Clients.Total)
	r.Clients.Ended -= min(len(in.unstarted), r.Clients.Ended)
	sort.Slice(r.Viewers, func(i, j int) bool { return r.Viewers[i].ID < r.Viewers[j].ID })
	return r
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
