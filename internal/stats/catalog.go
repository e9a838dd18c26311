package stats

// MetricType is the type of a catalogue metric.
type MetricType uint8

// The metric types.
const (
	MetricCounter      MetricType = iota // cumulative count; windows take differences
	MetricRate                           // ratio of two counters, NoData when the denominator is 0
	MetricDistribution                   // latency histogram: p50(), p90(), p95(), p99(), max(), ...
	MetricGauge                          // current value
)

// String returns "counter", "rate", "distribution" or "gauge".
func (t MetricType) String() string {
	switch t {
	case MetricCounter:
		return "counter"
	case MetricRate:
		return "rate"
	case MetricDistribution:
		return "distribution"
	case MetricGauge:
		return "gauge"
	}
	return "unknown"
}

// Metric describes one metric of the catalogue. Its Name is the one used in
// threshold expressions, in Prometheus (with the prefix hlsswarm_), in the
// JSON report and in the summary table.
type Metric struct {
	Name   string
	Type   MetricType
	Unit   string   // "requests", "bytes", "seconds", "ratio", ...; "" for plain counts
	Labels []string // labels it may be filtered by, e.g. "code", "kind"
	Help   string
}

// Catalog returns the catalogue of metrics, a fresh slice on every call.
func Catalog() []Metric {
	return []Metric{
		{Name: "manifest_requests", Type: MetricCounter, Unit: "requests", Help: "Playlist (master or media) requests."},
		{Name: "segment_requests", Type: MetricCounter, Unit: "requests", Help: "Media segment requests."},
		{Name: "init_requests", Type: MetricCounter, Unit: "requests", Help: "Init segment (EXT-X-MAP) requests."},
		{Name: "unknown_requests", Type: MetricCounter, Unit: "requests", Help: "Requests of unknown kind."},
		{Name: "requests", Type: MetricCounter, Unit: "requests", Help: "Requests of all kinds."},
		{Name: "bytes", Type: MetricCounter, Unit: "bytes", Help: "Bytes received."},
		{Name: "http_errors", Type: MetricCounter, Unit: "errors", Labels: []string{"code", "kind"}, Help: "HTTP errors, by status code (0 = outside 100..599) or by request kind."},
		{Name: "reconnects", Type: MetricCounter, Help: "Reconnects: keep-alive requests retried on a new connection, and bodies cut short (one per incident)."},
		{Name: "timeouts", Type: MetricCounter, Help: "Timeouts."},
		{Name: "conn_refused", Type: MetricCounter, Help: "Refused connections."},
		{Name: "restarts", Type: MetricCounter, Help: "Viewer process restarts."},
		{Name: "progress_lines", Type: MetricCounter, Unit: "lines", Help: "ffmpeg -progress lines read."},
		{Name: "stderr_lines", Type: MetricCounter, Unit: "lines", Help: "ffmpeg stderr lines read."},
		{Name: "dropped_lines", Type: MetricCounter, Unit: "lines", Help: "ffmpeg output lines dropped because they could not be handled in time."},
		{Name: "segment_failures", Type: MetricCounter, Help: "Segments that failed to open."},
		{Name: "playlist_failures", Type: MetricCounter, Help: "Failed playlist (re)loads."},
		{Name: "expired_skips", Type: MetricCounter, Unit: "segments", Help: "Segments skipped because they expired from the playlist."},
		{Name: "playback_time", Type: MetricCounter, Unit: "seconds", Help: "Wall time viewers played or stalled, by their buffer model (native engine only: ffmpeg's log does not tell it)."},
		{Name: "stalls", Type: MetricCounter, Help: "Stalls: times a viewer's buffer ran dry during playback (native engine only)."},
		{Name: "stall_time", Type: MetricCounter, Unit: "seconds", Help: "Time viewers spent stalled during playback (native engine only)."},
		{Name: "rendition_switches", Type: MetricCounter, Help: "Rendition switches by adaptive bitrate (native engine only)."},
		{Name: "http_error_rate", Type: MetricRate, Unit: "ratio", Labels: []string{"kind"}, Help: "HTTP errors / requests."},
		{Name: "timeout_rate", Type: MetricRate, Unit: "ratio", Help: "Timeouts / requests."},
		{Name: "dropped_line_rate", Type: MetricRate, Unit: "ratio", Help: "Dropped lines / lines read."},
		{Name: "rebuffer_ratio", Type: MetricRate, Unit: "ratio", Help: "Stall time / playback time (native engine only)."},
		{Name: "segment_latency_coverage", Type: MetricRate, Unit: "ratio", Help: "Segment and init requests whose latency was measured / segment and init requests."},
		{Name: "segment_latency", Type: MetricDistribution, Unit: "seconds", Help: "Latency of segment and init segment requests."},
		{Name: "manifest_latency", Type: MetricDistribution, Unit: "seconds", Help: "Latency of playlist requests."},
		{Name: "segment_ttfb", Type: MetricDistribution, Unit: "seconds", Help: "Time to first byte of segment and init segment responses (native engine only: ffmpeg's log does not tell it)."},
		{Name: "startup_time", Type: MetricDistribution, Unit: "seconds", Help: "Time from a viewer's start to its first segment request."},
		{Name: "clients_active", Type: MetricGauge, Unit: "clients", Help: "Viewers running."},
		{Name: "clients_stalled", Type: MetricGauge, Unit: "clients", Help: "Running viewers whose playback has not advanced for the stall timeout."},
		{Name: "speed", Type: MetricGauge, Unit: "ratio", Help: "Playback speed (out time / wall time) of running viewers: min and mean."},
		{Name: "drift", Type: MetricGauge, Unit: "seconds", Help: "Playback time running viewers lost since their best position (wall time minus media time, less its smallest value): max."},
		{Name: "generator_cpu_pressure", Type: MetricGauge, Unit: "ratio", Help: "Share of each second in which a runnable task on the generating machine waited for a CPU (Linux PSI cpu some): max and mean."},
		{Name: "generator_sched_latency", Type: MetricGauge, Unit: "seconds", Help: "99th percentile of the harness's own goroutine scheduling latency in each second (Go runtime/metrics): max and mean."},
		{Name: "generator_memory_pressure", Type: MetricGauge, Unit: "ratio", Help: "Share of each second in which a task on the generating machine stalled on memory (Linux PSI memory some): max and mean."},
		{Name: "generator_fd_usage", Type: MetricGauge, Unit: "ratio", Help: "The harness's open file descriptors / its soft RLIMIT_NOFILE: max."},
		{Name: "generator_slow_viewers", Type: MetricGauge, Unit: "ratio", Help: "Share of viewers with a measured speed whose speed was below 0.9 at once: max and mean."},
		{Name: "generator_saturated", Type: MetricGauge, Unit: "ratio", Help: "1 for a second in which the generator was saturated (CPU pressure >= 50%, or without PSI load >= 2 per CPU, or scheduling latency p99 >= 50ms), else 0: mean is the share of saturated seconds."},
	}
}

// LookupMetric returns the catalogue metric called name, and whether there
// is one.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range Catalog() {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// CounterValue returns the value in c of the counter metric called name
// ("requests", "timeouts", "http_errors", ...), and false when name is not
// a counter of the catalogue.
func CounterValue(c *Counters, name string) (uint64, bool) {
	switch name {
	case "manifest_requests":
		return c.Requests[KindManifest], true
	case "segment_requests":
		return c.Requests[KindSegment], true
	case "init_requests":
		return c.Requests[KindInit], true
	case "unknown_requests":
		return c.Requests[KindUnknown], true
	case "requests":
		return c.TotalRequests(), true
	case "bytes":
		return c.Bytes, true
	case "http_errors":
		return c.HTTPErrors, true
	case "reconnects":
		return c.Reconnects, true
	case "timeouts":
		return c.Timeouts, true
	case "conn_refused":
		return c.ConnRefused, true
	case "restarts":
		return c.Restarts, true
	case "progress_lines":
		return c.ProgressLines, true
	case "stderr_lines":
		return c.StderrLines, true
	case "dropped_lines":
		return c.DroppedLines(), true
	case "segment_failures":
		return c.SegmentFailures, true
	case "playlist_failures":
		return c.PlaylistFailures, true
	case "expired_skips":
		return c.ExpiredSkips, true
	case "playback_time":
		return c.PlaybackTime, true
	case "stalls":
		return c.Stalls, true
	case "stall_time":
		return c.StallTime, true
	case "rendition_switches":
		return c.RenditionSwitches, true
	}
	return 0, false
}

// RateValue returns the value in c of the rate metric called name
// ("http_error_rate", "timeout_rate", "dropped_line_rate"), and false when
// name is not a rate of the catalogue.
func RateValue(c *Counters, name string) (Rate, bool) {
	switch name {
	case "http_error_rate":
		return HTTPErrorRate(c), true
	case "timeout_rate":
		return TimeoutRate(c), true
	case "dropped_line_rate":
		return DroppedLineRate(c), true
	case "segment_latency_coverage":
		return SegmentLatencyCoverage(c), true
	case "rebuffer_ratio":
		return RebufferRatio(c), true
	}
	return Rate{}, false
}
