package threshold

import "github.com/hlsswarm/hlsswarm/internal/stats"

// metricKind is how a threshold reads a metric.
type metricKind uint8

const (
	kindCounter      metricKind = iota // cumulative count; compared by its count
	kindRate                           // ratio of two cumulative counts
	kindDistribution                   // latency histogram; needs an aggregation
	kindGauge                          // instantaneous value per point; needs min, max or mean
)

func (k metricKind) String() string {
	switch k {
	case kindCounter:
		return "counter"
	case kindRate:
		return "rate"
	case kindDistribution:
		return "distribution"
	}
	return "gauge"
}

// metricDef says how to read one catalogue metric. The names and labels
// themselves come from stats.Catalog; reader_test checks that every
// catalogue metric has a definition here and that the kinds agree.
type metricDef struct {
	kind   metricKind
	unit   Unit
	labels []string // labels this reader can select on
	aggs   []string // gauges only: the aggregations that make sense

	count   func(c *stats.Counters) uint64                   // counters
	byKind  func(c *stats.Counters, k stats.Kind) uint64     // counters with a kind label
	rate    func(c *stats.Counters) stats.Rate               // rates
	rateBy  func(c *stats.Counters, k stats.Kind) stats.Rate // rates with a kind label
	hist    histID                                           // distributions
	gauge   gaugeID                                          // gauges
	history bool                                             // distributions: history points carry it (windows, warm-up)
	// generator: a reading of the generating machine, whose failures need
	// no note that the generator was saturated.
	generator bool
}

func requestsOf(k stats.Kind) func(c *stats.Counters) uint64 {
	return func(c *stats.Counters) uint64 { return c.Requests[k] }
}

// definitions returns the readers by metric name, a fresh map per call
// (parsing is not a hot path, and the package keeps no mutable state).
func definitions() map[string]metricDef {
	return map[string]metricDef{
		"manifest_requests": {kind: kindCounter, unit: UnitCount, count: requestsOf(stats.KindManifest)},
		"segment_requests":  {kind: kindCounter, unit: UnitCount, count: requestsOf(stats.KindSegment)},
		"init_requests":     {kind: kindCounter, unit: UnitCount, count: requestsOf(stats.KindInit)},
		"unknown_requests":  {kind: kindCounter, unit: UnitCount, count: requestsOf(stats.KindUnknown)},
		"requests":          {kind: kindCounter, unit: UnitCount, count: (*stats.Counters).TotalRequests},
		"bytes":             {kind: kindCounter, unit: UnitBytes, count: func(c *stats.Counters) uint64 { return c.Bytes }},
		"http_errors": {kind: kindCounter, unit: UnitCount, labels: []string{"code", "kind"},
			count:  func(c *stats.Counters) uint64 { return c.HTTPErrors },
			byKind: func(c *stats.Counters, k stats.Kind) uint64 { return c.HTTPErrorsByKind[k] }},
		"reconnects":         {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.Reconnects }},
		"timeouts":           {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.Timeouts }},
		"conn_refused":       {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.ConnRefused }},
		"restarts":           {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.Restarts }},
		"progress_lines":     {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.ProgressLines }},
		"stderr_lines":       {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.StderrLines }},
		"dropped_lines":      {kind: kindCounter, unit: UnitCount, count: (*stats.Counters).DroppedLines},
		"segment_failures":   {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.SegmentFailures }},
		"playlist_failures":  {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.PlaylistFailures }},
		"expired_skips":      {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.ExpiredSkips }},
		"playback_time":      {kind: kindCounter, unit: UnitDuration, count: func(c *stats.Counters) uint64 { return c.PlaybackTime }},
		"stalls":             {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.Stalls }},
		"stall_time":         {kind: kindCounter, unit: UnitDuration, count: func(c *stats.Counters) uint64 { return c.StallTime }},
		"rendition_switches": {kind: kindCounter, unit: UnitCount, count: func(c *stats.Counters) uint64 { return c.RenditionSwitches }},

		"http_error_rate":          {kind: kindRate, unit: UnitRatio, labels: []string{"kind"}, rate: stats.HTTPErrorRate, rateBy: stats.HTTPErrorRateKind},
		"timeout_rate":             {kind: kindRate, unit: UnitRatio, rate: stats.TimeoutRate},
		"dropped_line_rate":        {kind: kindRate, unit: UnitRatio, rate: stats.DroppedLineRate},
		"segment_latency_coverage": {kind: kindRate, unit: UnitRatio, rate: stats.SegmentLatencyCoverage},
		"rebuffer_ratio":           {kind: kindRate, unit: UnitRatio, rate: stats.RebufferRatio},

		"segment_latency":  {kind: kindDistribution, unit: UnitDuration, history: true, hist: histSegment},
		"manifest_latency": {kind: kindDistribution, unit: UnitDuration, history: true, hist: histManifest},
		"segment_ttfb":     {kind: kindDistribution, unit: UnitDuration, history: true, hist: histTTFB},
		"startup_time":     {kind: kindDistribution, unit: UnitDuration, hist: histStartup},

		"clients_active":  {kind: kindGauge, unit: UnitCount, aggs: []string{"min", "max", "mean"}, gauge: gaugeActive},
		"clients_stalled": {kind: kindGauge, unit: UnitCount, aggs: []string{"min", "max", "mean"}, gauge: gaugeStalled},
		"speed":           {kind: kindGauge, unit: UnitSpeed, aggs: []string{"min", "mean"}, gauge: gaugeSpeed},
		"drift":           {kind: kindGauge, unit: UnitDuration, aggs: []string{"max"}, gauge: gaugeDrift},

		"generator_cpu_pressure":    {kind: kindGauge, unit: UnitRatio, aggs: []string{"max", "mean"}, gauge: gaugeGenCPU, generator: true},
		"generator_sched_latency":   {kind: kindGauge, unit: UnitDuration, aggs: []string{"max", "mean"}, gauge: gaugeGenSched, generator: true},
		"generator_memory_pressure": {kind: kindGauge, unit: UnitRatio, aggs: []string{"max", "mean"}, gauge: gaugeGenMem, generator: true},
		"generator_fd_usage":        {kind: kindGauge, unit: UnitRatio, aggs: []string{"max"}, gauge: gaugeGenFDs, generator: true},
		"generator_slow_viewers":    {kind: kindGauge, unit: UnitRatio, aggs: []string{"max", "mean"}, gauge: gaugeGenSlow, generator: true},
		"generator_saturated":       {kind: kindGauge, unit: UnitRatio, aggs: []string{"mean", "max"}, gauge: gaugeGenSaturated, generator: true},
	}
}

// histID names the histogram a distribution reads.
type histID uint8

const (
	histSegment histID = iota
	histManifest
	histStartup
	histTTFB
)

// hist returns the sample's histogram id, or nil when the sample lacks it
// (history points carry no startup histogram).
func (s *sample) hist(id histID) *stats.HistogramSnapshot {
	switch id {
	case histSegment:
		return s.seg
	case histManifest:
		return s.man
	case histTTFB:
		return s.ttfb
	}
	return s.startup
}

// gaugeID names the series a gauge reads.
type gaugeID uint8

const (
	gaugeActive gaugeID = iota
	gaugeStalled
	gaugeSpeed
	gaugeDrift
	gaugeGenCPU
	gaugeGenSched
	gaugeGenMem
	gaugeGenFDs
	gaugeGenSlow
	gaugeGenSaturated
)

// gauge reads a gauge for an aggregation and whether the sample has a value:
// speed has two series (the slowest viewer for min, the fleet mean for
// mean); speed and drift have no value while no active viewer reports
// progress.
func (s *sample) gauge(id gaugeID, agg aggKind) (float64, bool) {
	switch id {
	case gaugeActive:
		return float64(s.active), true
	case gaugeStalled:
		return float64(s.stalled), true
	case gaugeGenCPU, gaugeGenSched, gaugeGenMem, gaugeGenFDs, gaugeGenSlow, gaugeGenSaturated:
		return generatorGauge(s.gen, id)
	case gaugeSpeed:
		if agg == aggMean {
			return s.speedAvg, s.speedViewers > 0
		}
		return s.speedMin, s.speedViewers > 0
	}
	return float64(s.driftMax), s.speedViewers > 0
}
