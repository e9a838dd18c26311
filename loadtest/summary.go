package loadtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary renders the Result as a compact human table, for t.Log or a
// terminal:
//
//	hlsswarm: 5 viewers for 10.6s against http://127.0.0.1:38211/live/master.m3u8 (ffmpeg 5.1.9)
//	requests   manifest_requests 52  segment_requests 48  init_requests 0  unknown_requests 0  requests 100 (9.4/s)  bytes 3.1 MB
//	errors     http_errors 0 (http_error_rate 0.00%)  timeouts 0  reconnects 0  conn_refused 0  restarts 0  dropped_lines 0
//	latency             count  min    p50    p90    p95    p99    max
//	 segment_latency    48     1ms    2ms    3ms    4ms    5ms    5ms
//	 ...
//
// Its labels are the names of the metric catalogue (the README's table), the
// names thresholds and Prometheus use. The latency rows are
// segment_latency, manifest_latency and startup_time (viewer start to
// first segment request); the generator line gives the p95 of
// [Result.StartLatency] (ffmpeg spawn to its first request).
func (r *Result) Summary() string {
	var b strings.Builder
	secs := r.Elapsed().Seconds()
	fmt.Fprintf(&b, "hlsswarm: %d viewers for %s against %s", r.Clients.Target, r.Elapsed().Round(100*time.Millisecond), r.Config.URL)
	if r.FFmpeg.Version != "" {
		fmt.Fprintf(&b, " (ffmpeg %s)", r.FFmpeg.Version)
	}
	b.WriteByte('\n')
	if r.Aborted != nil {
		fmt.Fprintf(&b, "ABORTED    threshold %q broke at %s: %s\n", r.Aborted.Threshold, r.Aborted.At.Round(time.Millisecond), r.Aborted.Message)
	}
	req := r.Totals.Requests
	rate := 0.0
	if secs > 0 {
		rate = float64(req.Total()) / secs
	}
	fmt.Fprintf(&b, "requests   manifest_requests %d  segment_requests %d  init_requests %d  unknown_requests %d  requests %d (%.1f/s)  bytes %s\n",
		req.Manifest, req.Segment, req.Init, req.Unknown, req.Total(), rate, formatBytes(r.Totals.Bytes))
	fmt.Fprintf(&b, "errors     http_errors %d (http_error_rate %.2f%%)%s  timeouts %d  reconnects %d  conn_refused %d  restarts %d  dropped_lines %d\n",
		r.Totals.HTTPErrors, 100*r.Rates.HTTPErrorRate, formatStatus(r.Totals.Status), r.Totals.Timeouts,
		r.Totals.Reconnects, r.Totals.ConnRefused, r.Totals.Restarts, r.Totals.DroppedLines)
	if r.Protocols != nil {
		fmt.Fprintf(&b, "protocol   %s\n", r.Protocols)
	}

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "latency\tcount\tmin\tp50\tp90\tp95\tp99\tmax")
	type latencyRow struct {
		name string
		d    Distribution
	}
	rows := []latencyRow{
		{" segment_latency", r.SegmentLatency}, {" manifest_latency", r.ManifestLatency},
		{" startup_time", r.Startup},
	}
	if r.SegmentTTFB.Count > 0 { // measured by the native engine only
		rows = slices.Insert(rows, 1, latencyRow{" segment_ttfb", r.SegmentTTFB})
	}
	for _, d := range rows {
		if d.d.Count == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t-\t-\t-\n", d.name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", d.name, d.d.Count,
			fmtLat(d.d.Min), fmtLat(d.d.P50), fmtLat(d.d.P90), fmtLat(d.d.P95), fmtLat(d.d.P99), fmtLat(d.d.Max))
	}
	tw.Flush()
	if n := req.Segment + req.Init; n > 0 {
		fmt.Fprintf(&b, "           segment latency measured for %.0f%% of %d segment and init requests (segment_latency_coverage)\n",
			100*r.Rates.SegmentLatencyCoverage, n)
	}

	fmt.Fprintf(&b, "qoe        speed min %.2f mean %.2f  stalled %d (peak %d)  max drift %s\n",
		r.QoE.SpeedMin, r.QoE.SpeedMean, r.QoE.StalledViewers, r.QoE.PeakStalledViewers, fmtDur(r.QoE.DriftMax))
	if ratio, ok := r.Totals.RebufferRatio(); ok { // a buffer model's (the native engine)
		fmt.Fprintf(&b, "playback   %s watched  stalls %d (%s, rebuffer ratio %.2f%%)  rendition switches %d\n",
			fmtDur(r.Totals.PlaybackTime), r.Totals.Stalls, fmtDur(r.Totals.StallTime), 100*ratio, r.Totals.RenditionSwitches)
	}
	fmt.Fprintf(&b, "generator  %s\n", r.Generator.summaryLine())
	fmt.Fprintf(&b, "viewers    total %d  active at stop %d  ended %d  exits %s",
		r.Clients.Total, r.Clients.Active, r.Clients.Ended, formatExits(r.Exits))
	if r.Replays > 0 {
		fmt.Fprintf(&b, "  VOD replays %d", r.Replays)
	}
	if r.Clients.NeverStarted > 0 {
		fmt.Fprintf(&b, "  NEVER STARTED %d", r.Clients.NeverStarted)
	}
	b.WriteByte('\n')
	if r.Origin != nil {
		fmt.Fprintf(&b, "origin     %s\n", formatOrigin(r.Origin))
	}
	for _, e := range r.StartErrors {
		fmt.Fprintf(&b, "ffmpeg     %s\n", e)
	}
	return b.String()
}

// fmtDur prints a duration rounded for reading, "-" for 0 (no data).
func fmtDur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmtLat(d)
}

// fmtLat prints a measured duration rounded for reading (0 is "0s").
func fmtLat(d time.Duration) string {
	a := d
	if a < 0 {
		a = -a
	}
	switch {
	case a < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case a < time.Second:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

func formatBytes(n uint64) string {
	switch {
	case n == 0:
		return "-"
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

func formatStatus(s []StatusCount) string {
	if len(s) == 0 {
		return ""
	}
	parts := make([]string, len(s))
	for i, c := range s {
		code := fmt.Sprint(c.Code)
		if c.Code == 0 {
			code = "other"
		}
		parts[i] = fmt.Sprintf("%s:%d", code, c.Count)
	}
	return " [" + strings.Join(parts, " ") + "]"
}

func formatExits(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func formatOrigin(o *OriginTruth) string {
	kinds := []string{"manifest", "segment", "init", "unknown"}
	for k := range o.Requests {
		if !contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		byStatus := o.Requests[k]
		if len(byStatus) == 0 {
			continue
		}
		codes := make([]int, 0, len(byStatus))
		for c := range byStatus {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		detail := make([]string, len(codes))
		for i, c := range codes {
			detail[i] = fmt.Sprintf("%d:%d", c, byStatus[c])
		}
		parts = append(parts, fmt.Sprintf("%s %d [%s]", k, o.Count(k), strings.Join(detail, " ")))
	}
	if len(parts) == 0 {
		return "no requests"
	}
	return strings.Join(parts, "  ")
}
