package ffmpeg

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		// Re-executed as the child of TestKilledParentLeavesNoFFmpeg.
		os.Exit(runHelperProcess())
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { removeContent() }))
}
