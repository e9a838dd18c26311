package assert

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hlsswarm/hlsswarm/verdict"
)

// UpdateBaselineEnv is the environment variable that makes [NoRegression]
// write the baseline instead of comparing with it: HLSSWARM_UPDATE_BASELINE=1.
const UpdateBaselineEnv = "HLSSWARM_UPDATE_BASELINE"

// Tolerance is how far a metric may move in its worse direction before
// [NoRegression] calls it a regression. The limit is
//
//	baseline × (1 + Relative) + Absolute   (higher is worse)
//	baseline × (1 − Relative) − Absolute   (HigherIsBetter)
//
// Absolute is in the unit of the metric's values: nanoseconds for durations
// (write float64(10*time.Millisecond)), a fraction for rates (0.005 is half
// a percentage point), a count, or a speed factor. It keeps small baselines,
// such as loopback latencies of a few milliseconds or an error rate of 0,
// from failing on noise.
type Tolerance struct {
	Relative       float64 // allowed change as a fraction of the baseline: 0.5 is 50 %
	Absolute       float64 // allowed change on top of Relative, in the metric's unit
	HigherIsBetter bool    // a drop is the regression (speed, throughput)
}

// Tolerances maps baseline metrics, written as threshold queries such as
// "p95(segment_latency)" or "http_error_rate{kind=segment}", to their
// tolerance. Its keys are the metrics that [NoRegression] records and
// compares.
type Tolerances map[string]Tolerance

// DefaultTolerances returns the metrics [NoRegression] tracks when given nil
// Tolerances, with loose tolerances meant for CI machines that vary:
//
//	p50(segment_latency)   +50 % + 10ms
//	p95(segment_latency)   +50 % + 20ms
//	p99(segment_latency)   +75 % + 50ms
//	p95(manifest_latency)  +50 % + 20ms
//	p95(startup_time)      +50 % + 250ms
//	http_error_rate        +50 % + 0.5 percentage points
//	timeout_rate           +50 % + 0.5 percentage points
//	min(speed)             −5 % − 0.02
//
// Change the map it returns to track other metrics or tighten one.
func DefaultTolerances() Tolerances {
	ms := float64(time.Millisecond)
	return Tolerances{
		"p50(segment_latency)":  {Relative: 0.5, Absolute: 10 * ms},
		"p95(segment_latency)":  {Relative: 0.5, Absolute: 20 * ms},
		"p99(segment_latency)":  {Relative: 0.75, Absolute: 50 * ms},
		"p95(manifest_latency)": {Relative: 0.5, Absolute: 20 * ms},
		"p95(startup_time)":     {Relative: 0.5, Absolute: 250 * ms},
		"http_error_rate":       {Relative: 0.5, Absolute: 0.005},
		"timeout_rate":          {Relative: 0.5, Absolute: 0.005},
		"min(speed)":            {Relative: 0.05, Absolute: 0.02, HigherIsBetter: true},
	}
}

// baselineFile is the JSON form of a baseline. Value is in the metric's base
// unit (nanoseconds, fraction, count, speed factor) and null without data;
// Text is the same value for people reading a diff and is not read back.
type baselineFile struct {
	Comment string                    `json:"comment"`
	Metrics map[string]baselineMetric `json:"metrics"`
}

type baselineMetric struct {
	Value *float64 `json:"value"`
	Text  string   `json:"text"`
}

// regressionRow is one line of the comparison with a baseline.
type regressionRow struct {
	metric           string
	base, now, limit string
	change           string
	ok               bool
	verdict          string
}

// NoRegression compares key metrics of run with the baseline stored at path
// (JSON) and fails the test once, with a table of every metric (baseline,
// now, limit, change), when any got worse than its tolerance allows. Nil
// tolerances mean [DefaultTolerances]. It returns whether there was no
// regression.
//
// With HLSSWARM_UPDATE_BASELINE=1 in the environment it writes the run's
// values to path instead (creating its directory), logs that it did (when t
// has Logf), and passes. A missing baseline file fails the test with that hint.
func NoRegression(t TestingT, run Run, path string, tol Tolerances) bool {
	if h, ok := t.(helperT); ok {
		h.Helper()
	}
	if tol == nil {
		tol = DefaultTolerances()
	}
	if isNilRun(run) {
		t.Errorf("baseline: %v", errNilRun)
		return false
	}
	if len(tol) == 0 {
		t.Errorf("baseline: no metrics to compare: give nil Tolerances for the defaults, or some metrics")
		return false
	}
	names := make([]string, 0, len(tol))
	for name := range tol {
		names = append(names, name)
	}
	slices.Sort(names)
	queries := make([]verdict.Measurement, 0, len(names))
	var errs []error
	for _, name := range names {
		m, err := run.Measure(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		queries = append(queries, m)
	}
	if len(errs) > 0 {
		t.Errorf("baseline: invalid tolerance metric:\n%v", errors.Join(errs...))
		return false
	}
	current := make(map[string]baselineMetric, len(queries))
	for _, q := range queries {
		m := baselineMetric{Text: "no data"}
		if q.OK {
			v := q.Value
			m = baselineMetric{Value: &v, Text: q.Unit.Format(v)}
		}
		current[q.Query] = m
	}
	if v := os.Getenv(UpdateBaselineEnv); v == "1" || v == "true" {
		if err := writeBaseline(path, current); err != nil {
			t.Errorf("baseline: %v", err)
			return false
		}
		logf(t, "baseline: wrote %d metrics to %s (%s=%s)", len(current), path, UpdateBaselineEnv, v)
		return true
	}
	stored, err := readBaseline(path)
	if err != nil {
		t.Errorf("baseline: %v; run the test with %s=1 to create it", err, UpdateBaselineEnv)
		return false
	}
	showBaseline(t, run, path, stored)
	rows := make([]regressionRow, 0, len(queries))
	failed := 0
	for _, q := range queries {
		row := compareMetric(q, tol[q.Query], stored.Metrics, current[q.Query])
		if !row.ok {
			failed++
		}
		rows = append(rows, row)
	}
	table := regressionTable(rows)
	if failed > 0 {
		t.Errorf("baseline: %d of %d metrics regressed against %s\n%s\nIf the change is intended, rerun with %s=1 to update the baseline.",
			failed, len(rows), path, table, UpdateBaselineEnv)
		return false
	}
	logf(t, "baseline: no regression against %s\n%s", path, table)
	return true
}

// compareMetric compares one metric's current value with the baseline.
func compareMetric(q verdict.Measurement, tol Tolerance, stored map[string]baselineMetric, now baselineMetric) regressionRow {
	u := q.Unit
	row := regressionRow{metric: q.Query, base: "-", now: now.Text, limit: "-", change: "-"}
	base, ok := stored[q.Query]
	switch {
	case !ok:
		row.verdict = "✗ not in the baseline"
		return row
	case base.Value == nil && now.Value == nil:
		row.ok, row.verdict = true, "✓ no data in both"
		return row
	case base.Value == nil:
		row.ok, row.verdict = true, "✓ new data"
		return row
	}
	b := *base.Value
	row.base = u.Format(b)
	var limit float64
	if tol.HigherIsBetter {
		limit = max(b*(1-tol.Relative)-tol.Absolute, 0)
		row.limit = ">= " + u.Format(limit)
	} else {
		limit = b*(1+tol.Relative) + tol.Absolute
		row.limit = "<= " + u.Format(limit)
	}
	if now.Value == nil {
		row.verdict = "✗ no data"
		return row
	}
	n := *now.Value
	if b != 0 {
		row.change = fmt.Sprintf("%+.1f%%", (n-b)/math.Abs(b)*100)
	}
	if (tol.HigherIsBetter && n >= limit) || (!tol.HigherIsBetter && n <= limit) {
		row.ok, row.verdict = true, "✓ ok"
	} else {
		row.verdict = "✗ regressed"
	}
	return row
}

func regressionTable(rows []regressionRow) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "metric\tbaseline\tnow\tlimit\tchange\tverdict")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.metric, r.base, r.now, r.limit, r.change, r.verdict)
	}
	_ = tw.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

func readBaseline(path string) (*baselineFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no baseline file %s", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var f baselineFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &f, nil
}

func writeBaseline(path string, metrics map[string]baselineMetric) error {
	f := baselineFile{
		Comment: "hlsswarm baseline for assert.NoRegression; values in ns, fractions, counts or speed factors; rewrite with " + UpdateBaselineEnv + "=1",
		Metrics: metrics,
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding baseline: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("writing baseline: %w", err)
		}
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing baseline: %w", err)
	}
	return nil
}

// baselineShower is a run that draws a baseline in its report:
// *loadtest.Result, whose HTML report overlays the baseline's latency
// percentiles.
type baselineShower interface {
	ShowBaseline(name string, values map[string]float64) error
}

// showBaseline hands the stored baseline to a run that can draw it; a
// failure to redraw its report is logged, not a regression.
func showBaseline(t TestingT, run Run, path string, stored *baselineFile) {
	s, ok := run.(baselineShower)
	if !ok {
		return
	}
	values := make(map[string]float64, len(stored.Metrics))
	for k, m := range stored.Metrics {
		if m.Value != nil {
			values[k] = *m.Value
		}
	}
	if err := s.ShowBaseline(filepath.Base(path), values); err != nil {
		logf(t, "baseline: %v", err)
	}
}
