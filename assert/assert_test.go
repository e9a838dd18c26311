package assert_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	gtassert "gotest.tools/v3/assert"
	"gotest.tools/v3/golden"

	"github.com/hlsswarm/hlsswarm/assert"
)

// Every usual test value satisfies TestingT.
var (
	_ assert.TestingT = (*testing.T)(nil)
	_ assert.TestingT = (*testing.B)(nil)
	_ assert.TestingT = testing.TB(nil)
)

// The expressions of the issue, on a run with a burst of 503s.
var issueExprs = []string{
	"http_error_rate < 1%",
	"http_error_rate < 1% over 10s",
	"http_error_rate < 10% over 10s",
	"http_error_rate{kind=segment} < 0.5%",
	"timeouts == 0",
	"http_errors{code=503} == 0",
	"p95(segment_latency) < 250ms",
	"p(99.9)(segment_latency) < 250ms",
	"p95(manifest_latency)? < 1s",
	"min(speed) >= 0.95",
	"max(drift) < 5s",
	"max(clients_stalled) == 0",
	"p95(startup_time) < 2s",
	"http_error_rate{kind=init} < 1%",
	"http_error_rate{kind=init}? < 1%",
}

func TestThresholdsFailsOnceWithAllFailures(t *testing.T) {
	t.Parallel()
	rec := &recordingT{}
	if assert.Thresholds(rec, burstRun(), issueExprs...) {
		t.Fatal("Thresholds returned true on a failing run")
	}
	if len(rec.errors) != 1 {
		t.Fatalf("Errorf called %d times; want once:\n%s", len(rec.errors), joinLines(rec.errors))
	}
	if rec.helpers == 0 {
		t.Error("Thresholds did not call Helper")
	}
	msg := rec.errors[0]
	for _, want := range []string{"http_error_rate < 1% over 10s", "http_errors{code=503} == 0", "http_error_rate{kind=segment} < 0.5%"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q", want)
		}
	}
	golden.Assert(t, msg+"\n", "thresholds_fail.golden")
}

func TestThresholdsRealT(t *testing.T) {
	t.Parallel()
	run := newRun(0, repeat(20, healthy())...)
	if !assert.Thresholds(t, run, "http_error_rate < 1%", "p95(segment_latency) < 250ms") {
		t.Error("Thresholds failed a healthy run")
	}
	assert.NoHTTPErrors(t, run)
	assert.NoTimeouts(t, run)
	assert.NoDroppedLines(t, run)
}

func TestThresholdsPassLogsTable(t *testing.T) {
	t.Parallel()
	rec := &recordingT{}
	ok := assert.Thresholds(rec, newRun(0, repeat(20, healthy())...),
		"http_error_rate < 1%", "timeouts == 0", "p95(segment_latency) < 250ms", "p95(manifest_latency)? < 1s", "min(speed) >= 0.95")
	if !ok || len(rec.errors) != 0 {
		t.Fatalf("Thresholds = %v, errors %q; want a pass", ok, rec.errors)
	}
	if len(rec.logs) != 1 {
		t.Fatalf("Logf called %d times; want once", len(rec.logs))
	}
	golden.Assert(t, rec.logs[0]+"\n", "thresholds_pass.golden")
}

func TestThresholdsInvalidExpressions(t *testing.T) {
	t.Parallel()
	rec := &errorfOnlyT{}
	if assert.Thresholds(rec, burstRun(), "timeouts == 0", "p95(segment_latncy) < 250ms", "http_errors{status=503} == 0") {
		t.Fatal("Thresholds returned true with invalid expressions")
	}
	if len(rec.errors) != 1 {
		t.Fatalf("Errorf called %d times; want once", len(rec.errors))
	}
	golden.Assert(t, rec.errors[0]+"\n", "thresholds_invalid.golden")
}

func TestThresholdsNoExpressions(t *testing.T) {
	t.Parallel()
	rec := &errorfOnlyT{}
	if assert.Thresholds(rec, burstRun()) || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "no expressions given") {
		t.Errorf("Thresholds without expressions: errors %q; want one", rec.errors)
	}
}

func TestThresholdsNilRun(t *testing.T) {
	t.Parallel()
	rec := &errorfOnlyT{}
	if assert.Thresholds(rec, nil, "timeouts == 0") || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "no run") {
		t.Errorf("Thresholds(nil run) errors %q; want one about the missing run", rec.errors)
	}
}

// TestTypedNilRun: a nil *Result in the Run interface (a run that never
// happened) is an error in every entry point, not a panic.
func TestTypedNilRun(t *testing.T) {
	t.Parallel()
	var run *fakeRun // typed nil, as a (*loadtest.Result)(nil) would be
	for name, check := range map[string]func(assert.TestingT) bool{
		"Thresholds":   func(t assert.TestingT) bool { return assert.Thresholds(t, run, "timeouts == 0") },
		"NoHTTPErrors": func(t assert.TestingT) bool { return assert.NoHTTPErrors(t, run) },
		"NoRegression": func(t assert.TestingT) bool { return assert.NoRegression(t, run, "testdata/baseline.json", nil) },
	} {
		rec := &errorfOnlyT{}
		if check(rec) || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "no run to check") {
			t.Errorf("%s(typed nil): errors %q; want one about the missing run", name, rec.errors)
		}
	}
	if r := assert.Comparison(run, "timeouts == 0")(); r.Success() {
		t.Error("Comparison(typed nil) succeeded")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	vs, err := assert.Check(burstRun(), "http_error_rate < 1%", "http_error_rate < 1% over 10s")
	if !errors.Is(err, assert.ErrThresholdsFailed) {
		t.Fatalf("Check error = %v; want ErrThresholdsFailed", err)
	}
	if got, want := len(vs), 2; got != want {
		t.Fatalf("len(verdicts) = %d; want %d", got, want)
	}
	if vs[0].Status != assert.Pass || vs[1].Status != assert.Fail {
		t.Errorf("statuses %v, %v; want pass, fail", vs[0].Status, vs[1].Status)
	}
	if _, err := assert.Check(burstRun(), "timeouts = 0"); !errors.Is(err, assert.ErrInvalidThreshold) {
		t.Errorf("Check(invalid) error = %v; want ErrInvalidThreshold", err)
	}
	if vs, err := assert.Check(burstRun(), "timeouts == 0", "http_error_rate < 1%"); err != nil || !vs.OK() {
		t.Errorf("Check(passing) = %v, %v", vs, err)
	}
}

func TestComparison(t *testing.T) {
	t.Parallel()
	res := assert.Comparison(burstRun(), "http_error_rate < 1% over 10s")()
	if res.Success() {
		t.Fatal("Comparison succeeded on a failing run")
	}
	gtassert.Check(t, assert.Comparison(burstRun(), "timeouts == 0"))
	rec := &recordingT{}
	gtassert.Check(recordingAdapter{rec}, assert.Comparison(burstRun(), "http_errors == 0"))
	if len(rec.errors) == 0 {
		t.Error("gotest.tools Check did not fail on a failing comparison")
	}
}

// recordingAdapter lets gotest.tools fail a recordingT.
type recordingAdapter struct{ r *recordingT }

func (a recordingAdapter) Log(args ...any) {
	a.r.errors = append(a.r.errors, strings.TrimSpace(strings.Repeat("%v ", len(args))))
}
func (a recordingAdapter) Fail()    {}
func (a recordingAdapter) FailNow() {}

func TestTypedHelpers(t *testing.T) {
	t.Parallel()
	clean := newRun(0, repeat(10, healthy())...)
	for name, f := range map[string]func(assert.TestingT, assert.Run) bool{
		"NoHTTPErrors": assert.NoHTTPErrors, "NoTimeouts": assert.NoTimeouts, "NoDroppedLines": assert.NoDroppedLines,
	} {
		rec := &recordingT{}
		if !f(rec, clean) || len(rec.errors) != 0 {
			t.Errorf("%s on a clean run: errors %q", name, rec.errors)
		}
	}
	rec := &recordingT{}
	if assert.NoHTTPErrors(rec, burstRun()) || len(rec.errors) != 1 {
		t.Fatalf("NoHTTPErrors on a burst: errors %q; want one", rec.errors)
	}
	golden.Assert(t, rec.errors[0]+"\n", "no_http_errors.golden")

	timeouts := healthy()
	timeouts.timeouts = 2
	rec = &recordingT{}
	if assert.NoTimeouts(rec, newRun(0, repeat(5, timeouts)...)) || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "timeouts == 0   10") {
		t.Errorf("NoTimeouts with 10 timeouts: errors %q", rec.errors)
	}
	rec = &recordingT{}
	if assert.NoDroppedLines(rec, &fakeRun{}) || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "no data") {
		t.Errorf("NoDroppedLines on an empty run: errors %q; want no data", rec.errors)
	}
}

// errorfOnly is the smallest TestingT: Errorf and nothing else (no Helper,
// no Logf), as a mock of a test would be.
type errorfOnly func(format string, args ...any)

func (f errorfOnly) Errorf(format string, args ...any) { f(format, args...) }

func TestErrorfOnlyTestingT(t *testing.T) {
	var got []string
	rec := errorfOnly(func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) })
	if assert.Thresholds(rec, burstRun(), "timeouts == 0", "http_errors == 0") {
		t.Error("Thresholds passed; want a failure on the 503 burst")
	}
	if len(got) != 1 || !strings.Contains(got[0], "thresholds: 1 of 2 failed") {
		t.Errorf("Errorf calls = %q; want one with the table of 1 of 2 failed", got)
	}
}
