package testkit

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Recorder wraps a real test and records Error, Errorf, Fatal and Fatalf
// instead of failing it, so that a test can check the failures the code
// under test reports. Fatal and Fatalf end the calling goroutine as the
// real ones do: call code that may use them through [Recorder.Go]. (On the
// test's own goroutine that Goexit panics the test binary, so a setup error
// never passes silently; the message is logged on the real test first.)
// With RealFatal, Fatal and Fatalf fail the real test instead, for tests
// where only Errorf is the expected outcome and a fatal is a setup error.
// Logs are recorded and passed on to the real test; everything else
// (Cleanup, TempDir, Name, ...) is the real test's.
type Recorder struct {
	testing.TB
	// Ctx, when set, is what Context returns instead of the real test's.
	Ctx context.Context
	// DeadlineAt, when set, is what Deadline returns instead of the real
	// test's.
	DeadlineAt time.Time
	// RealFatal makes Fatal and Fatalf fail the real test (its Fatalf)
	// rather than being recorded.
	RealFatal bool

	mu     sync.Mutex
	errors []string // Error(f) and Fatal(f), in order
	fatals []string // Fatal(f) only
	logs   []string
}

// Errorf records a failure.
func (r *Recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Error records a failure.
func (r *Recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

// Fatalf records a failure and ends the calling goroutine (with RealFatal:
// fails the real test).
func (r *Recorder) Fatalf(format string, args ...any) {
	if r.RealFatal {
		r.TB.Helper()
		r.TB.Fatalf(format, args...)
	}
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.errors = append(r.errors, msg)
	r.fatals = append(r.fatals, msg)
	r.mu.Unlock()
	r.TB.Logf("recorded Fatalf: %s", msg)
	runtime.Goexit()
}

// Fatal records a failure and ends the calling goroutine.
func (r *Recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// Logf records a log line and passes it on to the real test.
func (r *Recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	r.TB.Logf(format, args...)
}

// Log records a log line and passes it on to the real test.
func (r *Recorder) Log(args ...any) { r.Logf("%s", fmt.Sprint(args...)) }

// Context returns Ctx, or the real test's context.
func (r *Recorder) Context() context.Context {
	if r.Ctx != nil {
		return r.Ctx
	}
	return r.TB.Context()
}

// Deadline returns DeadlineAt, or the real test's deadline (go test
// -timeout) when it has one.
func (r *Recorder) Deadline() (time.Time, bool) {
	if !r.DeadlineAt.IsZero() {
		return r.DeadlineAt, true
	}
	if d, ok := r.TB.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

// Errors returns the failures recorded so far (Fatal ones included).
func (r *Recorder) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// Fatals returns the Fatal and Fatalf failures recorded so far.
func (r *Recorder) Fatals() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.fatals...)
}

// Logs returns the log lines recorded so far.
func (r *Recorder) Logs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logs...)
}

// Go runs fn on a goroutine of its own, as go test runs a test, and waits
// for it, so that a Fatalf of the Recorder ends only that goroutine.
func (r *Recorder) Go(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}
