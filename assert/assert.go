package assert

import (
	"errors"
	"fmt"

	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// TestingT is the part of a test that assert uses: *testing.T, *testing.B,
// testing.TB, and testify's mocks all satisfy it. When the value also has a
// Logf(string, ...any) method (testing.TB does), passing tables and baseline
// updates are logged through it.
type TestingT interface {
	Helper()
	Errorf(format string, args ...any)
}

// logT is the optional logging side of a TestingT.
type logT interface {
	Logf(format string, args ...any)
}

func logf(t TestingT, format string, args ...any) {
	if l, ok := t.(logT); ok {
		l.Logf(format, args...)
	}
}

// Run is what thresholds are checked on: a finished *loadtest.Result or a
// running *loadtest.Fleet. Its methods give the final (or current) snapshot,
// the per-second history and the warm-up period to ignore.
type Run = threshold.Source

// Verdict is the outcome of one threshold: the expression, its [Status],
// the observed value and its limit, and for failures when it broke.
type Verdict = threshold.Verdict

// Verdicts are the outcomes of several thresholds, in the order given. Their
// Table method prints them as [Thresholds] does.
type Verdicts = threshold.Verdicts

// Status is the outcome of a threshold: [Pass], [Fail], [NoData] or
// [NoDataAllowed].
type Status = threshold.Status

// The outcomes of a threshold.
const (
	Pass          = threshold.Pass          // the condition held
	Fail          = threshold.Fail          // the condition did not hold
	NoData        = threshold.NoData        // no observations: fails
	NoDataAllowed = threshold.NoDataAllowed // no observations, written with "?": passes
)

// ErrInvalidThreshold is wrapped by the error for an expression that does
// not parse or does not fit the metric catalogue.
var ErrInvalidThreshold = threshold.ErrInvalidThreshold

// ErrThresholdsFailed is wrapped by the error of [Check] when at least one
// threshold failed or had no data.
var ErrThresholdsFailed = errors.New("thresholds failed")

var errNilRun = errors.New("no run to check (a nil Run, or a nil *loadtest.Result or *loadtest.Fleet)")

// Check evaluates every expression on run and returns the verdicts. The
// error wraps [ErrInvalidThreshold] when an expression is invalid (then no
// verdicts are returned; also when no expression is given), or
// [ErrThresholdsFailed] when a threshold did not pass; its message is then
// the verdict table.
func Check(run Run, exprs ...string) (Verdicts, error) {
	if len(exprs) == 0 {
		// A check of nothing cannot fail; that is a mistake, not a pass.
		return nil, fmt.Errorf("%w: no expressions given", ErrInvalidThreshold)
	}
	set, err := threshold.Parse(exprs...)
	if err != nil {
		return nil, err
	}
	if isNilRun(run) {
		return nil, errNilRun
	}
	vs := set.Evaluate(run)
	if vs.OK() {
		return vs, nil
	}
	return vs, fmt.Errorf("%w: %d of %d\n%s", ErrThresholdsFailed, len(vs.Failed()), len(vs), vs.Table())
}

// Thresholds checks every expression on run and fails the test once,
// with t.Errorf, when any of them does not pass; the message is one table of
// all verdicts, observed value against limit. Passing verdicts are logged
// when t has Logf. It returns whether every threshold passed.
//
// The expressions follow the grammar in the package doc; an invalid
// expression fails the test with an error that points at its column.
func Thresholds(t TestingT, run Run, exprs ...string) bool {
	t.Helper()
	vs, err := Check(run, exprs...)
	return report(t, vs, err)
}

// report fails t once for a Check result, or logs the passing table.
func report(t TestingT, vs Verdicts, err error) bool {
	t.Helper()
	switch {
	case err == nil:
		logf(t, "thresholds: %d passed\n%s", len(vs), vs.Table())
		return true
	case vs == nil:
		// Parse joins the errors of all invalid expressions.
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			n := len(j.Unwrap())
			t.Errorf("thresholds: %d invalid expression%s:\n%s", n, plural(n), err)
		} else {
			t.Errorf("thresholds: %v", err)
		}
	default:
		t.Errorf("thresholds: %d of %d failed\n%s", len(vs.Failed()), len(vs), vs.Table())
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
