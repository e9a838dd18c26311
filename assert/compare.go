package assert

import (
	"gotest.tools/v3/assert/cmp"
	"gotest.tools/v3/poll"

	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// Comparison returns the thresholds as a gotest.tools comparison, for
// gotest.tools/v3/assert.Check and Assert:
//
//	gtassert.Check(t, assert.Comparison(res, "timeouts == 0"))
//
// It fails with the verdict table, or with the parse error of an invalid
// expression.
func Comparison(run Run, exprs ...string) cmp.Comparison {
	return func() cmp.Result {
		if _, err := Check(run, exprs...); err != nil {
			return cmp.ResultFailure(err.Error())
		}
		return cmp.ResultSuccess
	}
}

// Eventually returns a poll.Check that succeeds once every threshold passes
// on a running fleet, for poll.WaitOn:
//
//	poll.WaitOn(t, assert.Eventually(fleet, "segment_requests >= 500", "min(clients_active) >= 20"),
//		poll.WithTimeout(30*time.Second), poll.WithDelay(time.Second))
//
// The expressions are checked once; an invalid one stops the wait at the
// first poll with its error. Until all pass, each poll continues with the
// table of the thresholds not met yet (no data counts as not met).
func Eventually(run Run, exprs ...string) poll.Check {
	_, err := threshold.Parse(exprs...)
	return func(poll.LogT) poll.Result {
		if err != nil {
			return poll.Error(err)
		}
		if isNilRun(run) {
			return poll.Error(errNilRun)
		}
		vs, err := run.Evaluate(exprs...)
		if err != nil {
			return poll.Error(err)
		}
		if vs.OK() {
			return poll.Success()
		}
		return poll.Continue("thresholds not met yet:\n%s", vs.Failed().Table())
	}
}
