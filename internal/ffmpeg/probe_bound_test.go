//go:build linux

package ffmpeg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeVersion is what a fake ffmpeg prints for -version.
const fakeVersion = `echo "ffmpeg version 6.1.1 Copyright"; echo "libavformat    60. 16.100 / 60. 16.100"`

// sleepers returns the pids of live "sleep <marker>" processes.
func sleepers(marker string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || string(b) != "sleep\x00"+marker+"\x00" {
			continue
		}
		pid := 0
		for _, c := range filepath.Base(d) {
			pid = pid*10 + int(c-'0')
		}
		if alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestProbeWrapperChildHoldsPipe: a wrapper script that backgrounds a
// sleeping child holding stdout cannot hold the probe past its timeout,
// whether the wrapper hangs too (the group is killed at the timeout) or
// exits at once (WaitDelay stops waiting for the pipe); the child is
// killed with the group either way.
func TestProbeWrapperChildHoldsPipe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, marker, body string
		timeout, within    time.Duration
		wantErr            string // "" for a successful probe
	}{
		// Killed with its group at the timeout.
		{"wrapper hangs", "30.101", "sleep 30.101 &\nsleep 30.101", 500 * time.Millisecond, 500 * time.Millisecond, "no answer within 500ms"},
		// Done once WaitDelay passed after the wrapper's exit, long before the timeout.
		{"wrapper exits 0", "30.102", "sleep 30.102 &\n" + fakeVersion, 20 * time.Second, probeWaitDelay, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			script := filepath.Join(t.TempDir(), "ffmpeg")
			writeScript(t, script, tt.body)
			p := Prober{timeout: tt.timeout}
			start := time.Now()
			bin, err := p.Probe(context.Background(), script)
			took := time.Since(start)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("probe: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("probe = %+v, %v; want an error containing %q", bin, err, tt.wantErr)
			}
			// With room for a loaded machine.
			if limit := tt.within + 2*time.Second; took > limit {
				t.Errorf("probe took %v; want at most %v", took, limit)
			}
			deadline := time.Now().Add(2 * time.Second)
			for len(sleepers(tt.marker)) > 0 {
				if time.Now().After(deadline) {
					t.Fatalf("the wrapper's children %v outlived the probe", sleepers(tt.marker))
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestProbeTimeoutNotCached: a probe that timed out says nothing about the
// binary, so the next probe runs again.
func TestProbeTimeoutNotCached(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script, gate := filepath.Join(dir, "ffmpeg"), filepath.Join(dir, "slow")
	writeScript(t, script, `if [ -e `+gate+` ]; then sleep 30.103; fi
`+fakeVersion)
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p := Prober{timeout: 300 * time.Millisecond}
	if _, err := p.Probe(context.Background(), script); err == nil {
		t.Fatal("probe of a hanging binary succeeded")
	}
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	p.timeout = 10 * time.Second
	if bin, err := p.Probe(context.Background(), script); err != nil || bin.Version.Major != 6 {
		t.Fatalf("second probe = %+v, %v; want version 6 (the timeout must not be cached)", bin, err)
	}
}

// TestProbeTooManyOpenFiles: EMFILE is reported as such, not as a missing
// ffmpeg, and not cached. It lowers the test binary's RLIMIT_NOFILE, so
// it is not parallel (parallel tests wait until it is done).
func TestProbeTooManyOpenFiles(t *testing.T) {
	script := filepath.Join(t.TempDir(), "ffmpeg")
	writeScript(t, script, fakeVersion)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var p Prober
	low := syscall.Rlimit{Cur: uint64(len(fds)) + 1, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("cannot lower RLIMIT_NOFILE: %v", err)
	}
	_, err = p.Probe(context.Background(), script)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "too many open files: raise RLIMIT_NOFILE") {
		t.Fatalf("probe with no file descriptor left: %v; want a too-many-open-files error, not %v", err, ErrNotFound)
	}
	if bin, err := p.Probe(context.Background(), script); err != nil || bin.Version.Major != 6 {
		t.Fatalf("probe after the limit was raised = %+v, %v; want version 6 (EMFILE must not be cached)", bin, err)
	}
}
