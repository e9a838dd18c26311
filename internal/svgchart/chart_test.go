package svgchart

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"gotest.tools/v3/golden"
)

func render(t *testing.T, c *Chart) string {
	t.Helper()
	var b strings.Builder
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// sample is a chart with every element: two series (one with a gap), a
// span, a limit line and a marker.
func sample() *Chart {
	return &Chart{
		ID: "lat", Title: "Segment latency <p95>",
		X: Axis{Label: "elapsed (s)"}, Y: Axis{Label: "latency (ms)"},
		Series: []Series{
			{Name: "p50", Points: []Point{{0, 1}, {1, 2}, {2, math.NaN()}, {3, 4}, {4, 3}}},
			{Name: "baseline", Dash: true, Points: []Point{{0, 2}, {4, 2}}},
		},
		Spans:   []Span{{From: 0, To: 1.5, Label: "ramp"}},
		Lines:   []Line{{Y: 3.5, Label: "limit 3.5ms"}},
		Markers: []Marker{{X: 3, Label: "fail at 3s"}},
	}
}

func TestChartGolden(t *testing.T) {
	t.Parallel()
	golden.Assert(t, render(t, sample()), "chart.golden.svg")
}

func TestChartElements(t *testing.T) {
	t.Parallel()
	svg := render(t, sample())
	for _, want := range []string{
		`<title id="lat-title">Segment latency &lt;p95&gt;</title>`, // escaped
		`class="span"`, `class="limit"`, `class="marker"`, `class="legend"`,
		`>elapsed (s)</text>`, `>latency (ms)</text>`, `>fail at 3s</text>`, `>ramp</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %s:\n%s", want, svg)
		}
	}
	// The NaN breaks p50 into two runs: two move commands.
	paths := regexp.MustCompile(`data-series="p50"[^>]* d="([^"]*)"`).FindStringSubmatch(svg)
	if paths == nil {
		t.Fatalf("no p50 path in %s", svg)
	}
	if got := strings.Count(paths[1], "M"); got != 2 {
		t.Errorf("p50 path %q has %d moves; want 2 (a gap at the NaN)", paths[1], got)
	}
	if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(svg, "</svg>") {
		t.Errorf("not one svg element: %.60s ... %.20s", svg, svg[len(svg)-20:])
	}
}

func TestChartNoData(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]*Chart{
		"no series": {ID: "a", Title: "A"},
		"all NaN":   {ID: "b", Title: "B", Series: []Series{{Name: "s", Points: []Point{{0, math.NaN()}}}}},
		"log <= 0":  {ID: "c", Title: "C", X: Axis{Log: true}, Series: []Series{{Name: "s", Points: []Point{{0, 1}}}}},
	} {
		svg := render(t, c)
		if !strings.Contains(svg, `class="nodata"`) || strings.Contains(svg, "<path") {
			t.Errorf("%s: want a no-data chart without paths, got %s", name, svg)
		}
	}
}

func TestChartSinglePointIsVisible(t *testing.T) {
	t.Parallel()
	svg := render(t, &Chart{ID: "a", Series: []Series{{Name: "s", Points: []Point{{5, 5}}}}})
	if !strings.Contains(svg, `h1"`) {
		t.Errorf("a lone point draws nothing: %s", svg)
	}
}

func TestLegendWrapsAndGrowsTheChart(t *testing.T) {
	t.Parallel()
	c := &Chart{ID: "a", Width: 300}
	for i := 0; i < 8; i++ {
		c.Series = append(c.Series, Series{Name: "a long series name", Points: []Point{{0, 1}, {1, 2}}})
	}
	svg := render(t, c)
	if !strings.Contains(svg, `viewBox="0 0 300 331"`) { // 240 + 7 more rows of 13 px
		t.Errorf("legend of 8 rows: viewBox %s", regexp.MustCompile(`viewBox="[^"]*"`).FindString(svg))
	}
}

func TestNiceStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ raw, want float64 }{
		{0.7, 1}, {1, 1}, {1.2, 2}, {3, 5}, {7, 10}, {12, 20}, {0.013, 0.02}, {0, 1}, {math.NaN(), 1},
	} {
		if got := niceStep(tc.raw); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("niceStep(%v) = %v; want %v", tc.raw, got, tc.want)
		}
	}
}

func TestScaleTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		axis Axis
		lo   float64
		hi   float64
		want string
	}{
		{"linear from 0", Axis{}, 0, 9.3, "0 2 4 6 8 10"},
		{"decimals", Axis{}, 0, 0.27, "0.0 0.1 0.2 0.3"},
		{"flat", Axis{}, 3, 3, "3 4 5 6"},
		{"log", Axis{Log: true}, 1, 150, "1 10 100 1000"},
		{"fixed", Axis{Min: 0, Max: 1}, 0.2, 0.4, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{"explicit", Axis{Log: true, Ticks: []Tick{{1, "0%"}, {10, "90%"}, {1e4, "99.99%"}}}, 1, 90, "0% 90%"},
	}
	for _, tc := range tests {
		s := newScale(tc.axis, extent{tc.lo, tc.hi})
		var labels []string
		for _, tk := range s.ticks(tc.axis) {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, " "); got != tc.want {
			t.Errorf("%s: ticks %q; want %q", tc.name, got, tc.want)
		}
		if at0, at1 := s.at(s.lo), s.at(s.hi); math.Abs(at0) > 1e-9 || math.Abs(at1-1) > 1e-9 {
			t.Errorf("%s: at(lo), at(hi) = %v, %v; want 0, 1", tc.name, at0, at1)
		}
	}
}

func TestNum(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{1: "1", 1.04: "1", 1.05: "1.1", -0.01: "0", 12.345: "12.3", -3.5: "-3.5"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q; want %q", v, got, want)
		}
	}
}
