package loadtest

import (
	"testing"
	"time"

	"gotest.tools/v3/golden"
)

// TestSummaryGolden pins the whole table of a recorded run, with every
// optional line (an abort, replays, viewers that never started, an origin
// cross-check, a start error). Run go test ./loadtest -run Golden -update
// after an intended change and review the diff.
func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	r := recordedResult(t)
	r.Aborted = &Abort{Threshold: "timeouts == 0", At: 2 * time.Second, Message: "timeouts == 0: observed 1: ✗ fail at 2s"}
	r.Replays, r.Clients.NeverStarted = 3, 1
	r.StartErrors = []string{"exec: \"ffmpeg\": executable file not found in $PATH"}
	golden.Assert(t, r.Summary(), "summary.golden")
}
