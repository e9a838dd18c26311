package e2e

import (
	"flag"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/hlsswarm/hlsswarm/internal/originproc"
)

// parallelFleets is how many tests of this package run at once unless
// -test.parallel says otherwise. The tests mostly wait on the live clock
// and on small fleets (3-4 viewers), so more than GOMAXPROCS of them fit
// on two cores: six keeps about 25 ffmpeg viewers running at a time.
const parallelFleets = "6"

// TestMain fails the package when a goroutine outlives the tests: every
// fleet and origin must be gone when its test ends. In an origin
// process (originproc.Start), the test binary serves an origin instead
// (see TestScale).
func TestMain(m *testing.M) {
	if code, ok := originproc.ServeIfChild(); ok {
		os.Exit(code)
	}
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", parallelFleets)
	}
	goleak.VerifyTestMain(m)
}
