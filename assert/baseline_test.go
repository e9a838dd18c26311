package assert_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/golden"

	"github.com/hlsswarm/hlsswarm/assert"
)

// The committed baseline testdata/baseline.json holds baselineRun's values
// with the default tolerances; TestNoRegressionUpdate checks that writing it
// again gives the same file.
func baselineRun() *fakeRun { return newRun(0, repeat(30, healthy())...) }

// TestNoRegressionUpdate writes a baseline (HLSSWARM_UPDATE_BASELINE=1),
// creating its directory, and logs that it did.
func TestNoRegressionUpdate(t *testing.T) {
	t.Setenv(assert.UpdateBaselineEnv, "1")
	path := filepath.Join(t.TempDir(), "new", "baseline.json")
	rec := &recordingT{}
	if !assert.NoRegression(rec, baselineRun(), path, nil) || len(rec.errors) != 0 {
		t.Fatalf("NoRegression in update mode failed: %q", rec.errors)
	}
	if len(rec.logs) != 1 || !strings.Contains(rec.logs[0], "wrote 8 metrics to "+path) {
		t.Errorf("logs %q; want one saying the baseline was written", rec.logs)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, string(got), "baseline.json")
}

// noUpdate makes sure a comparison test never rewrites the committed
// baseline, even when the suite runs with HLSSWARM_UPDATE_BASELINE=1.
func noUpdate(t *testing.T) { t.Setenv(assert.UpdateBaselineEnv, "") }

func TestNoRegressionPasses(t *testing.T) {
	noUpdate(t)
	rec := &recordingT{}
	if !assert.NoRegression(rec, baselineRun(), "testdata/baseline.json", nil) || len(rec.errors) != 0 {
		t.Fatalf("NoRegression against its own baseline failed: %q", rec.errors)
	}
	// A little slower is within the default tolerance (50 % + 10ms at p50).
	slower := healthy()
	slower.segLatency = 28 * time.Millisecond
	rec = &recordingT{}
	if !assert.NoRegression(rec, newRun(0, repeat(30, slower)...), "testdata/baseline.json", nil) {
		t.Fatalf("NoRegression failed within tolerance: %q", rec.errors)
	}
}

func TestNoRegressionFailsWithDiffTable(t *testing.T) {
	noUpdate(t)
	slow := healthy()
	slow.segLatency = 90 * time.Millisecond
	burst := slow
	burst.errors503 = 30
	dip := slow
	dip.speedMin = 0.8
	run := newRun(0, slices.Concat(repeat(20, slow), repeat(2, burst), repeat(2, dip), repeat(6, slow))...)
	rec := &errorfOnlyT{}
	if assert.NoRegression(rec, run, "testdata/baseline.json", nil) {
		t.Fatal("NoRegression passed a regressed run")
	}
	if len(rec.errors) != 1 {
		t.Fatalf("Errorf called %d times; want once", len(rec.errors))
	}
	golden.Assert(t, rec.errors[0]+"\n", "regression_fail.golden")
}

func TestNoRegressionErrors(t *testing.T) {
	noUpdate(t)
	tests := []struct {
		name string
		path string
		tol  assert.Tolerances
		want string
	}{
		{"missing file", "testdata/nope.json", nil, "no baseline file testdata/nope.json; run the test with HLSSWARM_UPDATE_BASELINE=1 to create it"},
		{"invalid tolerance metric", "testdata/baseline.json", assert.Tolerances{"p95(segment_latncy)": {}}, `unknown metric "segment_latncy"`},
		{"metric not in baseline", "testdata/baseline.json", assert.Tolerances{"p90(segment_latency)": {Relative: 0.1}}, "✗ not in the baseline"},
		{"empty tolerances", "testdata/baseline.json", assert.Tolerances{}, "no metrics to compare"},
		{"corrupt file", "testdata/thresholds_pass.golden", nil, "reading testdata/thresholds_pass.golden: invalid character"},
	}
	for _, tt := range tests {
		rec := &errorfOnlyT{}
		if assert.NoRegression(rec, baselineRun(), tt.path, tt.tol) || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], tt.want) {
			t.Errorf("%s: errors %q; want one containing %q", tt.name, rec.errors, tt.want)
		}
	}
}

func TestNoRegressionHigherIsBetter(t *testing.T) {
	noUpdate(t)
	tol := assert.Tolerances{"min(speed)": {Relative: 0.05, HigherIsBetter: true}}
	dip := healthy()
	dip.speedMin = 0.9
	rec := &errorfOnlyT{}
	if assert.NoRegression(rec, newRun(0, slices.Concat(repeat(29, healthy()), repeat(1, dip))...), "testdata/baseline.json", tol) {
		t.Fatal("a speed drop from 1x to 0.9x passed a 5 % tolerance")
	}
	if !strings.Contains(rec.errors[0], "min(speed)   1x         0.9x   >= 0.95x   -10.0%   ✗ regressed") {
		t.Errorf("diff table:\n%s", rec.errors[0])
	}
}

// showingRun is a run that can draw a baseline (as *loadtest.Result
// does), recording what it was given.
type showingRun struct {
	*fakeRun
	name   string
	values map[string]float64
}

func (r *showingRun) ShowBaseline(name string, values map[string]float64) error {
	r.name, r.values = name, values
	return nil
}

// TestNoRegressionShowsTheBaseline: the baseline compared against is
// handed to a run that draws it (the HTML report's percentile plot).
func TestNoRegressionShowsTheBaseline(t *testing.T) {
	noUpdate(t)
	run := &showingRun{fakeRun: baselineRun()}
	rec := &recordingT{}
	if !assert.NoRegression(rec, run, "testdata/baseline.json", nil) {
		t.Fatalf("NoRegression failed: %q", rec.errors)
	}
	if run.name != "baseline.json" || run.values["p95(segment_latency)"] == 0 || len(run.values) != 8 {
		t.Errorf("ShowBaseline(%q, %v); want baseline.json and its 8 metrics", run.name, run.values)
	}
}
