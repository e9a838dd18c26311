package e2e

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingTB stands in for the test where a failure is the expected
// outcome: it records Errorf instead of failing the real test. Fatalf (a
// setup error, never expected) fails the real test; logs, cleanups and the
// context go to the real test too.
type recordingTB struct {
	testing.TB

	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

// Errors returns the failures recorded so far.
func (r *recordingTB) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// hostOf returns the host:port of a URL: the token that marks the ffmpeg
// processes playing from one origin (each test has its own port).
func hostOf(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		t.Fatalf("url %q: no host (%v)", rawURL, err)
	}
	return u.Host
}

// ffmpegPids returns the pids of live (not zombie) ffmpeg processes whose
// command line holds token. Only this test's processes carry its origin's
// port, so ffmpeg run by other tests or packages at the same time is never
// counted.
func ffmpegPids(token string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte(token)) {
			continue
		}
		argv0, _, _ := bytes.Cut(cmd, []byte{0})
		if !strings.Contains(filepath.Base(string(argv0)), "ffmpeg") {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(d))
		if err == nil && alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// waitGone waits up to d for every pid to end (or become a zombie) and
// returns how long it took, or the pids still alive.
func waitGone(pids []int, d time.Duration) (time.Duration, []int) {
	start := time.Now()
	for {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Since(start) > d {
			return time.Since(start), left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor polls cond every 100 ms until it holds, or fails the test after d.
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
