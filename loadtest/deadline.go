package loadtest

import (
	"fmt"
	"testing"
	"time"
)

// stopAllowance is the time budgeted, after ramp + duration, to stop every
// viewer (SIGTERM, a second SIGTERM, SIGKILL: about 1.5 s) and write the
// report, when the run is checked against the test deadline.
const stopAllowance = 3 * time.Second

// deadliner is the part of *testing.T that knows the go test -timeout.
// testing.TB lacks it, and *testing.B has none.
type deadliner interface {
	Deadline() (time.Time, bool)
}

// checkDeadline returns an error when a run of ramp + duration (+ the stop
// allowance) started at now would outlive the test binary's deadline.
func checkDeadline(now, deadline time.Time, ramp, duration time.Duration) error {
	need := ramp + duration + stopAllowance
	left := deadline.Sub(now)
	if need <= left {
		return nil
	}
	return fmt.Errorf("loadtest: the run needs %s (Ramp %s + Duration %s + %s to stop) but the test deadline (go test -timeout) is %s away; raise -timeout or shorten Config.Duration/Ramp",
		need.Round(time.Millisecond), ramp, duration, stopAllowance, left.Round(time.Millisecond))
}

// deadlineOf returns t's deadline when it has one.
func deadlineOf(t testing.TB) (time.Time, bool) {
	if d, ok := t.(deadliner); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}
