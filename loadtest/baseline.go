package loadtest

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/svgchart"
)

// htmlBaseline is a baseline's latency percentiles, drawn over the run's
// own on the HTML report's percentile plot.
type htmlBaseline struct {
	name   string
	series map[string][]svgchart.Point // "segment" and "playlist": (1/(1-q), ms)
}

// percentileQuery matches a baseline metric that is a latency percentile:
// p95(segment_latency), p(99.9)(manifest_latency).
var percentileQuery = regexp.MustCompile(`^p\(?([0-9]+(?:\.[0-9]+)?)\)?\((segment|manifest)_latency\)$`)

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
		m := percentileQuery.FindStringSubmatch(query)
		if m == nil || math.IsNaN(v) || v < 0 {
			continue
		}
		p, err := strconv.ParseFloat(m[1], 64)
		if err != nil || p <= 0 || p >= 100 {
			continue
		}
		kind := map[string]string{"segment": "segment", "manifest": "playlist"}[m[2]]
		b.series[kind] = append(b.series[kind], svgchart.Point{X: 1 / (1 - p/100), Y: ms(time.Duration(v))})
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
