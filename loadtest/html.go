package loadtest

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

//go:embed html.tmpl
var htmlTemplateText string

// htmlTemplate is parsed once per call: WriteHTML is called once per run,
// and a package-level template would be package-level state.
func htmlTemplate() (*template.Template, error) {
	return template.New("report").Parse(htmlTemplateText)
}

// WriteHTML writes r as one self-contained HTML page: charts over the
// run's wall-clock time (viewers, requests, errors, latency, playback
// speed, drift, each threshold against its limit), the latency by
// percentile, the origin's ground truth beside the viewers' counts, the
// viewers ordered worst first, and the run's configuration. The charts are
// inline SVG; the page loads nothing else (no script, font or image), so
// it opens offline, from a CI artifact.
//
// It needs only r: a Result read back with [ReadReport] renders too, with
// the detail its report holds. The thresholds of Config.Thresholds are
// evaluated again over r when r has its histograms; a report without them
// lists the thresholds and the live abort, if any.
func (r *Result) WriteHTML(w io.Writer) error {
	tmpl, err := htmlTemplate()
	if err != nil {
		return fmt.Errorf("loadtest: html template: %w", err)
	}
	if err := tmpl.Execute(w, r.htmlPage()); err != nil {
		return fmt.Errorf("loadtest: write html report: %w", err)
	}
	return nil
}

// htmlPage is what the template reads.
type htmlPage struct {
	Title         string
	Headline      string
	Failed        bool
	Aborted       string // the live abort, "" when the run was not stopped by a threshold
	Summary       []htmlKV
	Latency       []htmlLatency
	Thresholds    []htmlThreshold
	ThresholdNote string
	Charts        []htmlChart
	Percentiles   htmlChart
	Truth         []htmlTruth
	Exits         []htmlKV
	Renditions    []htmlRendition
	Viewers       []htmlViewer
	ViewersLeft   int // viewers not listed: past maxViewerRows, the best ones
	Config        []htmlKV
	StartErrors   []string
}

type htmlKV struct{ Key, Value string }

type htmlLatency struct {
	Name                               string
	Count                              uint64
	Min, P50, P90, P95, P99, Max, Mean string
	HasData                            bool
}

type htmlThreshold struct {
	Expr, Observed, Limit, Outcome string
	Passed                         bool
	Chart                          *htmlChart
}

type htmlTruth struct {
	Kind            string
	Viewers, Origin uint64
	ByStatus        string
	Diff            int64
}

type htmlViewer struct {
	ID                                   int
	State                                string
	Bad                                  bool
	Requests, Segments                   uint64
	Errors                               string
	Timeouts, Reconnects, Restarts       uint64
	StalledFor, MaxDrift, Startup, Speed string
	Bytes                                string
}

func (r *Result) htmlPage() *htmlPage {
	p := &htmlPage{Title: r.Test, StartErrors: r.StartErrors}
	if a := r.Aborted; a != nil {
		p.Aborted = fmt.Sprintf("live threshold %q broke at %s; the fleet stopped early: %s", a.Threshold, roundElapsed(a.At), a.Message)
	}
	if p.Title == "" {
		p.Title = "hlsswarm run"
	}
	p.Headline = fmt.Sprintf("%d viewers for %s against %s", r.Clients.Target, r.Elapsed().Round(100*time.Millisecond), r.Config.URL)
	p.Summary = r.htmlSummary()
	p.Latency = r.htmlLatency()
	p.Thresholds, p.ThresholdNote = r.htmlThresholds()
	for _, t := range p.Thresholds {
		p.Failed = p.Failed || !t.Passed
	}
	p.Failed = p.Failed || r.Aborted != nil
	p.Charts = r.timelineCharts(r.series())
	p.Percentiles = r.percentileChart()
	p.Truth = r.htmlTruth()
	p.Exits = sortedKV(r.Exits)
	p.Renditions = r.htmlRenditions()
	p.Viewers = r.htmlViewers()
	if n := len(p.Viewers); n > maxViewerRows {
		p.Viewers, p.ViewersLeft = p.Viewers[:maxViewerRows], n-maxViewerRows
	}
	p.Config = r.htmlConfig()
	return p
}

func (r *Result) htmlSummary() []htmlKV {
	t := &r.Totals
	secs := r.Elapsed().Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(t.Requests.Total()) / secs
	}
	kv := []htmlKV{
		{"viewers", fmt.Sprintf("target %d, ran %d, active at the end %d, stalled %d (peak %d), never started %d",
			r.Clients.Target, r.Clients.Total, r.Clients.Active, r.Clients.Stalled, r.QoE.PeakStalledViewers, r.Clients.NeverStarted)},
		{"requests", fmt.Sprintf("%d (%.1f/s): manifest %d, segment %d, init %d, unknown %d",
			t.Requests.Total(), rate, t.Requests.Manifest, t.Requests.Segment, t.Requests.Init, t.Requests.Unknown)},
		{"bytes", formatBytes(t.Bytes)},
		{"HTTP errors", fmt.Sprintf("%d (%.2f%%)%s", t.HTTPErrors, 100*r.Rates.HTTPErrorRate, formatStatus(t.Status))},
		{"timeouts, reconnects, refused", fmt.Sprintf("%d, %d, %d", t.Timeouts, t.Reconnects, t.ConnRefused)},
		{"restarts, replays", fmt.Sprintf("%d, %d", t.Restarts, r.Replays)},
		{"dropped log lines", fmt.Sprintf("%d of %d", t.DroppedLines, t.ProgressLines+t.StderrLines)},
		{"playback speed", fmt.Sprintf("min %.3g, mean %.3g; max drift %s", r.QoE.SpeedMin, r.QoE.SpeedMean, fmtLat(r.QoE.DriftMax))},
		{"segment latency coverage", fmt.Sprintf("%.1f%%", 100*r.Rates.SegmentLatencyCoverage)},
		{"generator", fmt.Sprintf("saturated %d of %d s after the warm-up", r.Generator.SaturatedSeconds, r.Generator.Seconds)},
	}
	if ratio, ok := t.RebufferRatio(); ok { // the native engine's buffer model
		kv = slices.Insert(kv, 8, htmlKV{"stalls (buffer model)", fmt.Sprintf("%d, %s of %s watched (rebuffer ratio %.2f%%); rendition switches %d",
			t.Stalls, fmtLat(t.StallTime), fmtLat(t.PlaybackTime), 100*ratio, t.RenditionSwitches)})
	}
	return kv
}

func (r *Result) htmlLatency() []htmlLatency {
	var out []htmlLatency
	for _, d := range []struct {
		name string
		d    Distribution
	}{{"segment", r.SegmentLatency}, {"playlist", r.ManifestLatency}, {"startup", r.Startup}, {"spawn", r.StartLatency}} {
		l := htmlLatency{Name: d.name, Count: d.d.Count, HasData: d.d.Count > 0}
		if l.HasData {
			l.Min, l.P50, l.P90, l.P95 = fmtLat(d.d.Min), fmtLat(d.d.P50), fmtLat(d.d.P90), fmtLat(d.d.P95)
			l.P99, l.Max, l.Mean = fmtLat(d.d.P99), fmtLat(d.d.Max), fmtLat(d.d.Mean)
		}
		out = append(out, l)
	}
	return out
}

// htmlThresholds evaluates Config.Thresholds over r, each with its chart.
// A Result without histograms (a report read back) cannot be evaluated
// again: the thresholds are listed with the live abort, if any.
func (r *Result) htmlThresholds() ([]htmlThreshold, string) {
	if len(r.Config.Thresholds) == 0 {
		return nil, ""
	}
	set, err := threshold.Parse(r.Config.Thresholds...)
	if err != nil {
		return nil, "The thresholds do not parse: " + err.Error()
	}
	if r.snap == nil && len(r.points) == 0 {
		var out []htmlThreshold
		for _, th := range set.Thresholds() {
			row := htmlThreshold{Expr: th.String(), Observed: "-", Passed: true, Outcome: "not evaluated again"}
			if a := r.Aborted; a != nil && a.Threshold == th.String() {
				row.Passed, row.Outcome = false, "✗ fail at "+roundElapsed(a.At)+" (live): "+a.Message
			}
			out = append(out, row)
		}
		return out, "This report holds no histograms, so the thresholds were not evaluated again."
	}
	var src threshold.Source = resultSource{r}
	vs := set.Evaluate(src)
	out := make([]htmlThreshold, 0, len(vs))
	for i, th := range set.Thresholds() {
		v := vs[i]
		row := htmlThreshold{Expr: v.Expr, Observed: v.ObservedText(), Limit: v.Limit, Outcome: v.Outcome(), Passed: v.Passed()}
		if th.Series(src) != nil {
			c := r.thresholdChart(i, th, v, src)
			row.Chart = &c
		}
		out = append(out, row)
	}
	return out, "Config.Thresholds, evaluated over the whole run as assert.Thresholds would."
}

func (r *Result) htmlTruth() []htmlTruth {
	if r.Origin == nil {
		return nil
	}
	var out []htmlTruth
	for _, k := range kindNames {
		viewers, origin := r.Totals.Requests.Get(k), r.Origin.Count(k)
		if viewers == 0 && origin == 0 {
			continue
		}
		codes := make([]int, 0, len(r.Origin.Requests[k]))
		for c := range r.Origin.Requests[k] {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		parts := make([]string, len(codes))
		for i, c := range codes {
			parts[i] = fmt.Sprintf("%d: %d", c, r.Origin.Requests[k][c])
		}
		out = append(out, htmlTruth{Kind: k, Viewers: viewers, Origin: uint64(origin), ByStatus: strings.Join(parts, ", "), Diff: int64(viewers) - origin})
	}
	return out
}

// maxViewerRows bounds the viewer table, so that the page of a large
// fleet stays small enough to open: the rest, the best viewers, are in the
// JSON report.
const maxViewerRows = 2000

// htmlViewers returns the viewers worst first: stalled, then by errors
// and timeouts, restarts, time stalled and drift; by ID among equals.
func (r *Result) htmlViewers() []htmlViewer {
	vs := append([]ViewerResult(nil), r.Viewers...)
	badness := func(v *ViewerResult) [5]uint64 {
		stalled := uint64(0)
		if v.Stalled {
			stalled = 1
		}
		return [5]uint64{stalled, v.HTTPErrors + v.Timeouts, v.Restarts + v.Reconnects, uint64(v.StalledFor), uint64(max(v.MaxDrift, 0))}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := badness(&vs[i]), badness(&vs[j])
		if a != b {
			for k := range a {
				if a[k] != b[k] {
					return a[k] > b[k]
				}
			}
		}
		return vs[i].ID < vs[j].ID
	})
	out := make([]htmlViewer, len(vs))
	for i := range vs {
		v := &vs[i]
		state := "ended"
		switch {
		case v.Stalled:
			state = "stalled"
		case v.Active:
			state = "active"
		}
		errs := fmt.Sprint(v.HTTPErrors)
		if s := formatStatus(v.Status); s != "" {
			errs += s
		}
		out[i] = htmlViewer{
			ID: v.ID, State: state, Bad: v.Stalled || v.HTTPErrors+v.Timeouts+v.Restarts > 0,
			Requests: v.Requests.Total(), Segments: v.Requests.Segment, Errors: errs,
			Timeouts: v.Timeouts, Reconnects: v.Reconnects, Restarts: v.Restarts,
			StalledFor: fmtLat(v.StalledFor), MaxDrift: fmtLat(v.MaxDrift), Startup: fmtLat(v.Startup),
			Speed: fmt.Sprintf("%.3g", v.Speed), Bytes: formatBytes(v.Bytes),
		}
	}
	return out
}

func (r *Result) htmlConfig() []htmlKV {
	c := &r.Config
	kv := []htmlKV{
		{"test", r.Test}, {"url", c.URL},
		{"start", r.Start.UTC().Format(time.RFC3339)}, {"end", r.End.UTC().Format(time.RFC3339)},
		{"clients", fmt.Sprint(c.Clients)}, {"ramp", c.Ramp.String()}, {"duration", c.Duration.String()},
		{"warm-up", c.WarmUp.String()}, {"variant", string(c.Variant)}, {"keep-alive", string(c.KeepAlive)},
		{"timeout", c.Timeout.String()}, {"reconnect", fmt.Sprint(c.Reconnect)}, {"restart policy", string(c.RestartPolicy)},
		{"header names", strings.Join(c.HeaderNames, ", ")}, {"user agent", c.UserAgent},
		{"thresholds", strings.Join(c.Thresholds, "; ")}, {"threshold delay", c.ThresholdDelay.String()},
		{"seed", fmt.Sprint(c.Seed)}, {"ffmpeg", strings.TrimSpace(r.FFmpeg.Version + " " + r.FFmpeg.Path)},
		{"schema", r.Schema},
	}
	if r.Protocols != nil {
		kv = append(kv[:len(kv)-1], htmlKV{"protocol", r.Protocols.String()}, kv[len(kv)-1])
	}
	out := kv[:0]
	for _, e := range kv {
		if e.Value != "" {
			out = append(out, e)
		}
	}
	return out
}

func sortedKV(m map[string]int) []htmlKV {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]htmlKV, len(keys))
	for i, k := range keys {
		out[i] = htmlKV{k, fmt.Sprint(m[k])}
	}
	return out
}
