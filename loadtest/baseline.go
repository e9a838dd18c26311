package loadtest

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/svgchart"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// htmlBaseline is a baseline's latency percentiles, drawn over the run's
// own on the HTML report's percentile plot.
type htmlBaseline struct {
	name   string
	series map[string][]svgchart.Point // "segment" and "playlist": (1/(1-q), ms)
}

// ShowBaseline draws a baseline's latency percentiles over the run's own
// on its HTML report's percentile plot. values are a baseline's metrics
// by query, in their unit (nanoseconds for latencies), as
// assert.NoRegression stores them; metrics other than percentiles of
// segment_latency or manifest_latency are left out. assert.NoRegression
// calls it with the baseline it compares the run with; when the run wrote
// an HTML report (Config.ReportDir, or go test -artifacts), the report is
// written again with the baseline drawn in, so the file a CI job keeps
// shows both.
func (r *Result) ShowBaseline(name string, values map[string]float64) error {
	b := &htmlBaseline{name: name, series: map[string][]svgchart.Point{}}
	for query, v := range values {
		q, err := threshold.ParseQuery(query)
		if err != nil || math.IsNaN(v) || v < 0 {
			continue
		}
		kind := map[string]string{"segment_latency": "segment", "manifest_latency": "playlist"}[q.Metric()]
		p, ok := q.Quantile()
		if kind == "" || !ok || p >= 1 {
			continue // not a latency percentile below p100, which the log axis cannot place
		}
		b.series[kind] = append(b.series[kind], svgchart.Point{X: 1 / (1 - p), Y: ms(time.Duration(v))})
	}
	for _, pts := range b.series {
		sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	}
	r.baseline = b
	if r.htmlPath == "" {
		return nil
	}
	if _, err := writeFileAtomic(filepath.Dir(r.htmlPath), filepath.Base(r.htmlPath), r.WriteHTML); err != nil {
		return fmt.Errorf("loadtest: HTML report with the baseline: %w", err)
	}
	return nil
}

// baselineSeries returns the baseline's series for the percentile plot,
// dashed, named after the baseline.
func (r *Result) baselineSeries() []svgchart.Series {
	if r.baseline == nil {
		return nil
	}
	var out []svgchart.Series
	for _, kind := range []string{"segment", "playlist"} {
		if pts := r.baseline.series[kind]; len(pts) > 0 {
			out = append(out, svgchart.Series{Name: kind + " (baseline " + r.baseline.name + ")", Points: pts, Dash: true})
		}
	}
	return out
}
