package testkit

import (
	"testing"

	"go.uber.org/goleak"
)

// Tarpit and Recorder.Go start goroutines; none may outlive the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
