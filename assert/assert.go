package assert

import (
	"errors"
	"fmt"

	"github.com/hlsswarm/hlsswarm/internal/threshold"
	"github.com/hlsswarm/hlsswarm/verdict"
)

// TestingT is the part of a test that assert uses: only Errorf, so
// *testing.T, *testing.B, testing.TB and any type with that method (such
// as a recorder in a test of your own helpers) satisfy it. When
// the value also has Helper() (testing.TB does), assert marks its functions
// as helpers, so failures point at the caller; when it has
// Logf(string, ...any), passing tables and baseline updates are logged
// through it.
type TestingT interface {
	Errorf(format string, args ...any)
}

// helperT and logT are the optional sides of a TestingT. Each function
// calls Helper itself (not through a wrapper), since Helper marks its caller.
type (
	helperT interface{ Helper() }
	logT    interface {
		Logf(format string, args ...any)
	}
)

func logf(t TestingT, format string, args ...any) {
	if l, ok := t.(logT); ok {
		l.Logf(format, args...)
	}
}

// Run is what thresholds are checked on. *loadtest.Result (a finished run,
// or one read back with loadtest.ReadReport) and *loadtest.Fleet (a running
// fleet) implement it; any other type may, for example to judge runs of
// another load generator with the same catalogue.
type Run interface {
	// Evaluate checks threshold expressions (the grammar in the package
	// doc) on the run after its warm-up and returns one verdict per
	// expression, in order. Its error wraps [ErrInvalidThreshold] when an
	// expression is invalid.
	Evaluate(exprs ...string) (Verdicts, error)
	// Measure returns the value of one query, such as
	// "p95(segment_latency)", over the run after its warm-up. Its error
	// wraps [ErrInvalidThreshold] when the query is invalid.
	Measure(query string) (verdict.Measurement, error)
}

// Verdict is the outcome of one threshold: the expression, its [Status],
// the observed value and its limit, and for failures when it broke.
type Verdict = verdict.Verdict

// Verdicts are the outcomes of several thresholds, in the order given. Their
// Table method prints them as [Thresholds] does.
type Verdicts = verdict.Verdicts

// Status is the outcome of a threshold: [Pass], [Fail], [NoData] or
// [NoDataAllowed].
type Status = verdict.Status

// The outcomes of a threshold.
const (
	Pass          = verdict.Pass          // the condition held
	Fail          = verdict.Fail          // the condition did not hold
	NoData        = verdict.NoData        // no observations: fails
	NoDataAllowed = verdict.NoDataAllowed // no observations, written with "?": passes
)

// ErrInvalidThreshold is wrapped by the error for an expression that does
// not parse or does not fit the metric catalogue.
var ErrInvalidThreshold = verdict.ErrInvalidThreshold

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
	if _, err := threshold.Parse(exprs...); err != nil {
		return nil, err
	}
	if isNilRun(run) {
		return nil, errNilRun
	}
	vs, err := run.Evaluate(exprs...)
	if err != nil {
		return nil, err
	}
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
	if h, ok := t.(helperT); ok {
		h.Helper()
	}
	vs, err := Check(run, exprs...)
	return report(t, vs, err)
}

// report fails t once for a Check result, or logs the passing table.
func report(t TestingT, vs Verdicts, err error) bool {
	if h, ok := t.(helperT); ok {
		h.Helper()
	}
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
