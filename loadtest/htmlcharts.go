package loadtest

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/svgchart"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// htmlChart is one chart of the report: its svg and a note under it.
type htmlChart struct {
	ID    string
	Title string
	Note  string
	SVG   template.HTML
}

func renderChart(c *svgchart.Chart, note string) htmlChart {
	var b strings.Builder
	_ = c.WriteSVG(&b) // a strings.Builder does not fail
	return htmlChart{ID: c.ID, Title: c.Title, Note: note, SVG: template.HTML(b.String())}
}

// elapsedAxis is the X axis of every chart over the run.
var elapsedAxis = svgchart.Axis{Label: "elapsed (s)"}

// pts pairs times with values.
func pts(t, v []float64) []svgchart.Point {
	out := make([]svgchart.Point, min(len(t), len(v)))
	for i := range out {
		out[i] = svgchart.Point{X: t[i], Y: v[i]}
	}
	return out
}

// spans returns the shaded parts of the run: the ramp, the warm-up and the
// spans the generating machine was saturated.
func (r *Result) spans() []svgchart.Span {
	var out []svgchart.Span
	if r.Config.Ramp > 0 {
		out = append(out, svgchart.Span{From: 0, To: r.Config.Ramp.Seconds(), Label: "ramp", Color: "#e3ecf7"})
	}
	if r.Config.WarmUp > 0 {
		out = append(out, svgchart.Span{From: 0, To: r.Config.WarmUp.Seconds(), Label: "warm-up", Color: "#ececec"})
	}
	for _, s := range r.Generator.Saturated {
		out = append(out, svgchart.Span{From: s.From.Seconds(), To: s.To.Seconds(), Label: "generator saturated", Color: "#fbe3c8"})
	}
	return out
}

// targetSeries is the fleet size asked for: Config.Clients reached over
// the ramp, each viewer in its slot of it.
func (r *Result) targetSeries(t []float64) []svgchart.Point {
	if len(t) == 0 {
		return nil // no history: the chart says no data
	}
	n, ramp := float64(r.Config.Clients), r.Config.Ramp.Seconds()
	out := make([]svgchart.Point, 0, len(t)+1)
	out = append(out, svgchart.Point{X: 0, Y: 0})
	for _, x := range t {
		y := n
		if ramp > 0 && x < ramp {
			y = math.Min(n, math.Ceil(n*x/ramp))
		}
		out = append(out, svgchart.Point{X: x, Y: y})
	}
	return out
}

// timelineCharts returns the charts over the run's wall-clock time.
func (r *Result) timelineCharts(s *runSeries) []htmlChart {
	spans := r.spans()
	chart := func(id, title, yLabel string) *svgchart.Chart {
		return &svgchart.Chart{ID: id, Title: title, X: elapsedAxis, Y: svgchart.Axis{Label: yLabel}, Spans: spans}
	}
	var out []htmlChart

	c := chart("viewers", "Viewers", "viewers")
	c.Series = []svgchart.Series{
		{Name: "target", Points: r.targetSeries(s.t), Dash: true, Color: "#555"},
		{Name: "active", Points: pts(s.t, s.active), Color: svgchart.Colors(0)},
		{Name: "stalled", Points: pts(s.t, s.stalled), Color: svgchart.Colors(1)},
	}
	out = append(out, renderChart(c, "Target is Config.Clients over the ramp; active viewers run ffmpeg; stalled ones made no progress for a while."))

	c = chart("requests", "Requests per second by kind", "requests/s")
	for _, k := range kindNames {
		if r.Totals.Requests.Get(k) > 0 || k == "manifest" || k == "segment" {
			c.Series = append(c.Series, svgchart.Series{Name: k, Points: pts(s.t, s.requests[k])})
		}
	}
	out = append(out, renderChart(c, "As read from ffmpeg's log, per history interval."))

	c = chart("errors", "HTTP errors and timeouts per second", "events/s")
	for _, code := range s.errorCodes() {
		name := fmt.Sprintf("HTTP %d", code)
		switch code {
		case -1:
			name = "HTTP errors (all codes)"
		case 0:
			name = "HTTP other"
		}
		c.Series = append(c.Series, svgchart.Series{Name: name, Points: pts(s.t, s.errors[code])})
	}
	c.Series = append(c.Series, svgchart.Series{Name: "timeouts", Points: pts(s.t, s.timeouts), Color: "#000"})
	note := "By status code."
	if !s.full {
		note = "This report holds no per-second status codes: all HTTP errors in one line."
	}
	out = append(out, renderChart(c, note))

	for _, l := range []struct {
		id, title string
		q         [3][]float64
	}{{"segment-latency", "Segment latency per second", s.seg}, {"playlist-latency", "Playlist latency per second", s.man}} {
		c = chart(l.id, l.title, "latency (ms)")
		for q, name := range [3]string{"p50", "p95", "p99"} {
			if l.q[q] != nil {
				c.Series = append(c.Series, svgchart.Series{Name: name, Points: pts(s.t, l.q[q])})
			}
		}
		note := "Quantiles of the requests that ended in each interval."
		if !s.full {
			note = "This report holds only the per-second p95 of segment latency."
		}
		out = append(out, renderChart(c, note))
	}

	c = chart("speed", "Playback speed", "speed (× real time)")
	c.Series = []svgchart.Series{{Name: "min", Points: pts(s.t, s.speedMin)}, {Name: "mean", Points: pts(s.t, s.speedMean)}}
	c.Lines = []svgchart.Line{{Y: 1, Label: "real time"}}
	out = append(out, renderChart(c, "Media time advanced per wall time over viewers with a measured speed (5 s of progress after their first 2 s); 1 keeps up."))

	c = chart("drift", "Drift", "drift (s)")
	c.Series = []svgchart.Series{{Name: "max drift", Points: pts(s.t, s.drift)}}
	out = append(out, renderChart(c, "The most playback time a viewer lost since its best position."))
	return out
}

// percentileChart is the HdrHistogram-style plot of segment and playlist
// latency: latency against 1/(1-q) on a log axis, so that the tail gets
// the room the median gets.
func (r *Result) percentileChart() htmlChart {
	c := &svgchart.Chart{
		ID: "percentiles", Title: "Latency by percentile",
		X: svgchart.Axis{Label: "percentile (log scale of 1/(1−q))", Log: true, Ticks: []svgchart.Tick{
			{V: 1, Label: "0%"}, {V: 2, Label: "50%"}, {V: 10, Label: "90%"}, {V: 100, Label: "99%"},
			{V: 1e3, Label: "99.9%"}, {V: 1e4, Label: "99.99%"}, {V: 1e5, Label: "99.999%"}, {V: 1e6, Label: "99.9999%"},
		}},
		Y: svgchart.Axis{Label: "latency (ms)"},
	}
	seg, man := r.finalHistograms()
	note := "From the run's merged histograms (relative error under 1 %)."
	for _, d := range []struct {
		name string
		h    *stats.HistogramSnapshot
		dist Distribution
	}{{"segment", seg, r.SegmentLatency}, {"playlist", man, r.ManifestLatency}} {
		var p []svgchart.Point
		if d.h != nil {
			p = histogramPercentiles(d.h)
		} else {
			p = distributionPercentiles(d.dist)
			note = "This report holds no histograms: the plot joins the summary quantiles (min, p50, p90, p95, p99, max)."
		}
		c.Series = append(c.Series, svgchart.Series{Name: d.name, Points: p})
	}
	if r.snap != nil && r.snap.SegmentTTFB.Count > 0 && r.Schema != reportSchemaV1 {
		// Measured by the native engine only.
		c.Series = append(c.Series, svgchart.Series{Name: "segment time to first byte", Points: histogramPercentiles(&r.snap.SegmentTTFB)})
	}
	if b := r.baselineSeries(); len(b) > 0 {
		c.Series = append(c.Series, b...)
		note += " Dashed: the baseline assert.NoRegression compared the run with (its percentiles)."
	}
	return renderChart(c, note)
}

// finalHistograms returns the run's segment and manifest histograms, nil
// when the Result has none (a v1 report read back).
func (r *Result) finalHistograms() (seg, man *stats.HistogramSnapshot) {
	if r.Schema == reportSchemaV1 {
		return nil, nil // counts only: its snapshot's histograms are empty
	}
	if r.snap != nil {
		return &r.snap.SegmentLatency, &r.snap.ManifestLatency
	}
	if n := len(r.points); n > 0 {
		return &r.points[n-1].SegmentLatency, &r.points[n-1].ManifestLatency
	}
	return nil, nil
}

// histogramPercentiles samples h at ten quantiles per decade of 1/(1-q),
// up to the quantile of its last observation.
func histogramPercentiles(h *stats.HistogramSnapshot) []svgchart.Point {
	if h.Count == 0 {
		return nil
	}
	top := float64(h.Count) // 1/(1-q) of the last observation
	var out []svgchart.Point
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/10)
		if x >= top {
			break
		}
		out = append(out, svgchart.Point{X: x, Y: ms(h.Quantile(1 - 1/x))})
	}
	return append(out, svgchart.Point{X: math.Max(top, 1), Y: ms(h.Max)})
}

// distributionPercentiles joins a Distribution's quantiles.
func distributionPercentiles(d Distribution) []svgchart.Point {
	if d.Count == 0 {
		return nil
	}
	out := []svgchart.Point{{X: 1, Y: ms(d.Min)}, {X: 2, Y: ms(d.P50)}, {X: 10, Y: ms(d.P90)}, {X: 20, Y: ms(d.P95)}, {X: 100, Y: ms(d.P99)}}
	if top := float64(d.Count); top > 100 {
		out = append(out, svgchart.Point{X: top, Y: ms(d.Max)})
	}
	return out
}

// unitScale returns what a threshold value in unit is multiplied by to be
// charted, and the axis label.
func unitScale(u threshold.Unit) (float64, string) {
	switch u {
	case threshold.UnitDuration:
		return 1 / float64(time.Millisecond), "ms"
	case threshold.UnitRatio:
		return 100, "%"
	case threshold.UnitBytes:
		return 1, "bytes"
	case threshold.UnitSpeed:
		return 1, "× real time"
	}
	return 1, "count"
}

// thresholdChart draws a threshold's value over the run with its limit,
// and, when it failed, a marker at "fail at" over the failing window.
func (r *Result) thresholdChart(i int, th *threshold.Threshold, v threshold.Verdict, src threshold.Source) htmlChart {
	mul, unit := unitScale(v.Unit)
	c := &svgchart.Chart{
		ID: fmt.Sprintf("threshold-%d", i), Title: th.String(),
		X: elapsedAxis, Y: svgchart.Axis{Label: th.Query().String() + " (" + unit + ")"},
		Spans: r.spans(),
		Lines: []svgchart.Line{{Y: th.Limit() * mul, Label: "limit " + v.Limit}},
	}
	var p []svgchart.Point
	for _, s := range th.Series(src) {
		y := math.NaN()
		if s.OK {
			y = s.Value * mul
		}
		p = append(p, svgchart.Point{X: s.Elapsed.Seconds(), Y: y})
	}
	name := "value since the warm-up"
	if th.Window() > 0 {
		name = "value over the " + th.Window().String() + " window ending here"
	}
	c.Series = []svgchart.Series{{Name: name, Points: p}}
	if v.Status == threshold.Fail {
		label := "fail at " + roundElapsed(v.At)
		if v.Window > 0 {
			c.Spans = append(c.Spans, svgchart.Span{From: v.WindowStart.Seconds(), To: v.At.Seconds(), Label: "failing window", Color: "#f6d0d0"})
		}
		c.Markers = []svgchart.Marker{{X: v.At.Seconds(), Label: label}}
	}
	return renderChart(c, v.Outcome())
}

// roundElapsed prints an elapsed time as the verdicts do: to the second
// from 10 s, to a tenth of a second from 1 s, else to the millisecond.
func roundElapsed(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}
