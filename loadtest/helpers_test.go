package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hlsswarm/hlsswarm/internal/originproc"
)

func TestMain(m *testing.M) {
	if code, ok := originproc.ServeIfChild(); ok {
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}

// recordingTB wraps a real test, recording Errorf/Fatalf instead of failing
// it, so that tests can check the failures a fleet reports. Fatalf ends
// the calling goroutine like the real one. Logs go to the real test too.
type recordingTB struct {
	testing.TB
	ctx      context.Context // when set, returned by Context
	deadline time.Time       // when set, returned by Deadline

	mu     sync.Mutex
	errors []string
	logs   []string
	fatal  bool
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	r.TB.Logf(format, args...)
}

func (r *recordingTB) Context() context.Context {
	if r.ctx != nil {
		return r.ctx
	}
	return r.TB.Context()
}

func (r *recordingTB) Deadline() (time.Time, bool) {
	if !r.deadline.IsZero() {
		return r.deadline, true
	}
	return deadlineOf(r.TB)
}

func (r *recordingTB) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

func (r *recordingTB) Logs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logs...)
}

// runFatal runs fn on its own goroutine, as go test runs a test, so that
// a Fatalf from the recorder ends only that goroutine.
func runFatal(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// ffmpegsServing returns the pids of ffmpeg processes (zombies included)
// whose command line holds the host:port of rawURL: only the processes of
// this test's origin, whatever other tests run at the same time.
func ffmpegsServing(t testing.TB, rawURL string) []int {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	token := []byte(u.Host)
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(cmd, token) || !strings.Contains(string(bytes.SplitN(cmd, []byte{0}, 2)[0]), "ffmpeg") {
			continue
		}
		var pid int
		fmt.Sscanf(filepath.Base(d), "%d", &pid)
		pids = append(pids, pid)
	}
	return pids
}

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
