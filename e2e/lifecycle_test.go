package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// The lifecycle tests show that no ffmpeg process outlives a run, however
// the run ends. Each counts only the ffmpeg processes whose command line
// holds its own origin's port.

// TestNoFFmpegAfterPassingRun: when Run returns, every viewer is reaped.
func TestNoFFmpegAfterPassingRun(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	res := loadtest.Run(t, loadtest.Config{URL: origin.URL(), Clients: 3, Duration: 4 * time.Second, ProgressInterval: -1})
	if left := testkit.LiveFFmpegPids(testkit.Host(t, origin.URL())); len(left) != 0 {
		t.Errorf("ffmpeg processes left after Run returned: %v", left)
	}
	if got, want := res.Exits["stopped"], 3; got != want {
		t.Errorf("Exits = %v; want %d stopped", res.Exits, want)
	}
}

// TestNoFFmpegAfterFailingViewers: viewers whose ffmpeg keeps failing (a
// 404 playlist, restarted with backoff) are gone when Run returns too,
// including one waiting in its backoff or starting at the stop.
func TestNoFFmpegAfterFailingViewers(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	res := loadtest.Run(t, loadtest.Config{URL: origin.BaseURL() + "/nosuch.m3u8", Clients: 3, Duration: 5 * time.Second, ProgressInterval: -1, AllowNoPlayback: true})
	if left := testkit.LiveFFmpegPids(testkit.Host(t, origin.URL())); len(left) != 0 {
		t.Errorf("ffmpeg processes left after Run returned: %v", left)
	}
	if res.Exits["error"] < 3 {
		t.Errorf("Exits = %v; want every viewer to fail at least once", res.Exits)
	}
	if got := origin.Snapshot().ByKind[fixtures.KindUnknown][404]; got < 3 {
		t.Errorf("origin served %d 404s for /nosuch.m3u8; want >= 3", got)
	}
}

// TestNoFFmpegAfterLiveThresholdAbort: a live threshold breach stops the
// fleet early, fails the test once (recorded here) and leaves no ffmpeg.
func TestNoFFmpegAfterLiveThresholdAbort(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(fixtures.Fault{
		Type: fixtures.FaultStatus, Status: 404, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 4,
	}))
	rec := &testkit.Recorder{TB: t, RealFatal: true}
	begin := time.Now()
	res := loadtest.Run(rec, loadtest.Config{
		URL: origin.URL(), Clients: 3, Duration: time.Minute, ProgressInterval: -1,
		Thresholds: []string{"http_errors{code=404} == 0"},
	})
	took := time.Since(begin)
	if left := testkit.LiveFFmpegPids(testkit.Host(t, origin.URL())); len(left) != 0 {
		t.Errorf("ffmpeg processes left after the abort: %v", left)
	}
	if res.Aborted == nil || took > 30*time.Second {
		t.Fatalf("run took %s, Aborted = %+v; want an early stop on the 404 threshold", took, res.Aborted)
	}
	if errs := rec.Errors(); len(errs) != 1 || !strings.Contains(errs[0], `live threshold "http_errors{code=404} == 0" broke`) {
		t.Errorf("test failures = %q; want one naming the threshold", errs)
	}
	t.Logf("aborted after %s: %s", took.Round(time.Millisecond), res.Aborted.Message)
}

// childEnv selects what TestLifecycleChild does in a child test binary;
// childURLEnv is the parent's origin URL.
const (
	childEnv    = "HLSSWARM_E2E_CHILD"
	childURLEnv = "HLSSWARM_E2E_CHILD_URL"
	childFleet  = 3
)

// TestLifecycleChild is not a test of its own: TestNoFFmpegAfterChild runs
// it in a child process of the test binary. It starts a fleet against the
// parent's origin, prints the ffmpeg pids, then fails (t.Fatal), panics,
// or blocks until the parent SIGKILLs it. A cleanup registered before the
// fleet (so run after the fleet's own) prints how many ffmpeg were left.
func TestLifecycleChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("runs only as a child of TestNoFFmpegAfterChild")
	}
	url := os.Getenv(childURLEnv)
	token := testkit.Host(t, url)
	t.Cleanup(func() { fmt.Printf("LEFT %d\n", len(testkit.LiveFFmpegPids(token))) })
	f := loadtest.Start(t, loadtest.Config{URL: url, Clients: childFleet, Ramp: time.Millisecond, Duration: time.Minute, ProgressInterval: -1})
	testkit.WaitFor(t, 20*time.Second, "every viewer's ffmpeg", func() bool {
		return f.Snapshot().Clients.Active == childFleet && len(testkit.LiveFFmpegPids(token)) == childFleet
	})
	fmt.Printf("PIDS %s\n", strings.Trim(fmt.Sprint(testkit.LiveFFmpegPids(token)), "[]"))
	switch mode {
	case "fatal":
		t.Fatal("deliberate failure with the fleet running")
	case "panic":
		panic("deliberate panic with the fleet running")
	case "sigkill":
		time.Sleep(time.Minute) // the parent kills us
	}
}

// TestNoFFmpegAfterChild runs a fleet in a child test binary against an
// origin in this process, and ends the child three ways: a failing test
// (t.Fatal), a panicking test, and SIGKILL of the whole binary. The first
// two leave no ffmpeg through the fleet's t.Cleanup (the child prints the
// count after it ran); SIGKILL gives no cleanup a chance, and the kernel's
// parent-death signal must kill the viewers within ~2 s. The origin lives
// in the parent, so an orphaned viewer would keep playing and be seen.
func TestNoFFmpegAfterChild(t *testing.T) {
	for _, mode := range []string{"fatal", "panic", "sigkill"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.Live{})
			token := testkit.Host(t, origin.URL())
			cmd := exec.Command(os.Args[0], "-test.run=^TestLifecycleChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"="+mode, childURLEnv+"="+origin.URL())
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = cmd.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = cmd.Process.Kill() // a no-op once it exited
				_ = cmd.Wait()
				for _, p := range testkit.LiveFFmpegPids(token) { // never expected: do not leak into other tests
					_ = syscall.Kill(p, syscall.SIGKILL)
				}
			})
			lines := bufio.NewScanner(out)
			var pids []int
			var log strings.Builder
			for pids == nil && lines.Scan() {
				log.WriteString(lines.Text() + "\n")
				if rest, ok := strings.CutPrefix(lines.Text(), "PIDS "); ok {
					for _, f := range strings.Fields(rest) {
						p, _ := strconv.Atoi(f)
						pids = append(pids, p)
					}
				}
			}
			if len(pids) != childFleet {
				t.Fatalf("child printed pids %v; want %d. Child output:\n%s", pids, childFleet, log.String())
			}
			ended := time.Now() // for fatal and panic, the child ends by itself from here
			if mode == "sigkill" {
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
			}
			rest, _ := io.ReadAll(out)
			log.Write(rest)
			err = cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("child exit = %v; want a failure. Output:\n%s", err, log.String())
			}
			_, left := waitGone(pids, 5*time.Second)
			took := time.Since(ended)
			if len(left) != 0 {
				t.Fatalf("ffmpeg %v still alive %s after the child ended (%s). Child output:\n%s", left, took, exit, log.String())
			}
			if others := testkit.LiveFFmpegPids(token); len(others) != 0 {
				t.Errorf("other ffmpeg processes of this origin alive: %v", others)
			}
			switch mode {
			case "sigkill":
				if took > 2*time.Second {
					t.Errorf("viewers gone %s after SIGKILL of the test binary; want <= 2s", took)
				}
				if strings.Contains(log.String(), "LEFT ") {
					t.Errorf("child ran its cleanups despite SIGKILL?\n%s", log.String())
				}
			default:
				if !strings.Contains(log.String(), "LEFT 0\n") {
					t.Errorf("child did not report 0 ffmpeg left after its cleanups. Output:\n%s", log.String())
				}
			}
			// Nothing plays any more: the origin's count stands still.
			before := origin.Snapshot().Requests
			time.Sleep(1500 * time.Millisecond)
			if after := origin.Snapshot().Requests; after != before {
				t.Errorf("origin served %d requests after the viewers were gone; want 0", after-before)
			}
			t.Logf("%s: child %s; its %d viewers gone %s after it printed their pids (SIGKILL: after the kill)", mode, exit, len(pids), took.Round(time.Millisecond))
		})
	}
}
