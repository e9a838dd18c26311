package testkit

import (
	"time"

	"gotest.tools/v3/poll"
)

// WaitFor checks cond every 100 ms until it holds, and fails t (Fatalf,
// so call it from the test goroutine) naming what after d.
func WaitFor(t poll.TestingT, d time.Duration, what string, cond func() bool) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	poll.WaitOn(t, func(poll.LogT) poll.Result {
		if cond() {
			return poll.Success()
		}
		return poll.Continue("waiting for %s", what)
	}, poll.WithTimeout(d), poll.WithDelay(100*time.Millisecond))
}
