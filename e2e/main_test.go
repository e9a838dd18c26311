package e2e

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// fleet and origin must be gone when its test ends. With originChildEnv
// set, the test binary serves an origin instead (see TestScale).
func TestMain(m *testing.M) {
	if os.Getenv(originChildEnv) != "" {
		os.Exit(serveOriginChild())
	}
	goleak.VerifyTestMain(m)
}
