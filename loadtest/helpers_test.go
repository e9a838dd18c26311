package loadtest

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/hlsswarm/hlsswarm/internal/originproc"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

func TestMain(m *testing.M) {
	if code, ok := originproc.ServeIfChild(); ok {
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}

// ffmpegsServing returns the pids of the ffmpeg processes (zombies
// included) playing from the origin at rawURL.
func ffmpegsServing(t testing.TB, rawURL string) []int {
	t.Helper()
	return testkit.FFmpegPids(testkit.Host(t, rawURL))
}
