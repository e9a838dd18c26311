//go:build linux

package ffmpeg

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// runLog records the hooks' calls.
type runLog struct {
	mu     sync.Mutex
	starts []time.Time
	runs   []int
	exits  []Exit
	exitAt []time.Time
}

func (l *runLog) hooks(s *Supervision) {
	s.OnStart = func(run int, p *Process) {
		l.mu.Lock()
		l.starts = append(l.starts, time.Now())
		l.runs = append(l.runs, run)
		l.mu.Unlock()
		go drain(p.Stderr())
		go drain(p.Progress())
	}
	s.OnExit = func(run int, e Exit) {
		l.mu.Lock()
		l.exits = append(l.exits, e)
		l.exitAt = append(l.exitAt, time.Now())
		l.mu.Unlock()
	}
}

func TestSuperviseRestartsFailuresWithBackoff(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	s := Supervision{
		Path: bin.Path, Args: viewerArgs(t, bin, Viewer{URL: o.URL + "/missing.m3u8"}),
		Policy: RestartOnFailure, MaxRestarts: 2, Seed: 1,
		Backoff: Backoff{Initial: 200 * time.Millisecond, Multiplier: 2, Jitter: 0.1},
	}
	var l runLog
	l.hooks(&s)
	sum, err := Supervise(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Starts != 3 || sum.Restarts != 2 || sum.Exits[ExitError] != 3 || sum.Reason != "max restarts" {
		t.Fatalf("summary = %+v; want 3 error runs, ended by max restarts", sum)
	}
	if got := o.count("/missing.m3u8"); got < 3 {
		t.Errorf("origin saw %d requests; want at least one per run", got)
	}
	if len(l.runs) != 3 || l.runs[0] != 0 || l.runs[2] != 2 || len(l.exits) != 3 {
		t.Fatalf("hooks: runs %v, %d exits", l.runs, len(l.exits))
	}
	if !strings.Contains(l.exits[0].String(), "404") {
		t.Errorf("exit %v does not carry the 404 from stderr", l.exits[0])
	}
	// Backoff 200ms then 400ms, ±10%; the start itself adds a little.
	for i, want := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond} {
		gap := l.starts[i+1].Sub(l.exitAt[i])
		if gap < want*9/10 || gap > want*11/10+300*time.Millisecond {
			t.Errorf("gap before restart %d = %v; want about %v", i+1, gap, want)
		}
	}
}

func TestSuperviseAlwaysLoopsVOD(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	s := Supervision{Path: bin.Path, Args: viewerArgs(t, bin, Viewer{URL: o.URL + "/vod.m3u8"}),
		Policy: RestartAlways, MaxRestarts: 1, Backoff: Backoff{Initial: 10 * time.Millisecond}}
	var l runLog
	l.hooks(&s)
	sum, err := Supervise(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Starts != 2 || sum.Exits[ExitClean] != 2 || sum.Reason != "max restarts" {
		t.Fatalf("summary = %+v; want 2 clean runs", sum)
	}
	if got := o.count("/seg0.ts"); got != 2 {
		t.Errorf("seg0.ts requested %d times; want once per loop", got)
	}
}

func TestSuperviseOnFailureStopsAfterCleanExit(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	sum, err := Supervise(context.Background(), Supervision{Path: bin.Path,
		Args: viewerArgs(t, bin, Viewer{URL: o.URL + "/vod.m3u8"}), Policy: RestartOnFailure})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Starts != 1 || sum.Last.Kind != ExitClean || sum.Reason != "policy" {
		t.Fatalf("summary = %+v; want one clean run", sum)
	}
}

// TestSuperviseOnFailureRestartsCleanExitOfLive checks Supervision.Live: a
// clean exit of a stream that has no end is a failure, restarted under
// RestartOnFailure with the failure backoff.
func TestSuperviseOnFailureRestartsCleanExitOfLive(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)
	s := Supervision{Path: bin.Path, Args: viewerArgs(t, bin, Viewer{URL: o.URL + "/vod.m3u8"}),
		Policy: RestartOnFailure, Live: true, MaxRestarts: 2, Seed: 1,
		Backoff: Backoff{Initial: 100 * time.Millisecond, Multiplier: 2, Jitter: 0.01, ResetAfter: time.Minute}}
	var l runLog
	l.hooks(&s)
	sum, err := Supervise(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Starts != 3 || sum.Exits[ExitClean] != 3 || sum.Reason != "max restarts" {
		t.Fatalf("summary = %+v; want 3 clean runs, each restarted until max restarts", sum)
	}
	// Failures in a row: 100 ms, then 200 ms.
	if gap := l.starts[2].Sub(l.exitAt[1]); gap < 180*time.Millisecond {
		t.Errorf("gap before restart 2 = %v; want the backoff doubled (about 200ms)", gap)
	}
}

func TestSuperviseStartFailure(t *testing.T) {
	t.Parallel()
	var l runLog
	s := Supervision{Path: filepath.Join(t.TempDir(), "no-ffmpeg"), Policy: RestartOnFailure, MaxRestarts: 5,
		Backoff: Backoff{Initial: time.Millisecond}}
	l.hooks(&s)
	sum, err := Supervise(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Starts != 1 || sum.Exits[ExitStartFailed] != 1 || sum.Reason != "start failed" || len(l.starts) != 0 || len(l.exits) != 1 {
		t.Fatalf("summary = %+v, %d OnStart, %d OnExit; want 1 failed start, not retried, reported to OnExit only", sum, len(l.starts), len(l.exits))
	}
	if err := sum.Last.Err(); err == nil || !strings.Contains(err.Error(), "did not start") {
		t.Errorf("Err() = %v", err)
	}
}

func TestSuperviseContextCancel(t *testing.T) {
	t.Parallel()
	bin := systemBinary(t)
	o := newOrigin(t)

	t.Run("stops the running viewer", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pids := make(chan int, 1)
		s := Supervision{Path: bin.Path, Args: viewerArgs(t, bin, Viewer{URL: o.URL + "/live.m3u8"}), Policy: RestartAlways,
			OnStart: func(run int, p *Process) {
				go drain(p.Stderr())
				go drain(p.Progress())
				pids <- p.Pid()
			}}
		done := make(chan Summary)
		go func() {
			sum, _ := Supervise(ctx, s)
			done <- sum
		}()
		pid := <-pids
		testkit.WaitFor(t, 10*time.Second, "the ffmpeg viewers' requests", func() bool { return o.count("/live.m3u8") >= 1 })
		cancel()
		sum := <-done
		if sum.Reason != "context" || sum.Last.Kind != ExitStopped || sum.Starts != 1 {
			t.Fatalf("summary = %+v; want one run stopped by the context", sum)
		}
		requireGone(t, pid, 0)
	})
	t.Run("ends a backoff wait", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s := Supervision{Path: bin.Path, Args: viewerArgs(t, bin, Viewer{URL: o.URL + "/missing.m3u8"}),
			Policy: RestartOnFailure, Backoff: Backoff{Initial: time.Minute, Max: time.Minute},
			OnExit: func(int, Exit) { cancel() }}
		start := time.Now()
		sum, err := Supervise(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Reason != "context" || sum.Starts != 1 || time.Since(start) > 10*time.Second {
			t.Fatalf("summary = %+v after %v; want the backoff cut short", sum, time.Since(start))
		}
	})
}

// TestSuperviseFleetStop runs a small fleet the way loadtest does (one
// Supervise per viewer) and stops it with one cancel: every viewer stops
// without SIGKILL and no process is left.
func TestSuperviseFleetStop(t *testing.T) {
	t.Parallel()
	const viewers = 8
	bin := systemBinary(t)
	o := newOrigin(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		pids  []int
		exits []Exit
	)
	for i := 0; i < viewers; i++ {
		args := viewerArgs(t, bin, Viewer{URL: o.URL + "/live.m3u8", Client: i})
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Supervise(ctx, Supervision{
				Path: bin.Path, Args: args,
				Policy: RestartOnFailure, Seed: uint64(i),
				OnStart: func(run int, p *Process) {
					mu.Lock()
					pids = append(pids, p.Pid())
					mu.Unlock()
					go drain(p.Stderr())
					go drain(p.Progress())
				},
				OnExit: func(run int, e Exit) {
					mu.Lock()
					exits = append(exits, e)
					mu.Unlock()
				},
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	testkit.WaitFor(t, 20*time.Second, "the ffmpeg viewers' requests", func() bool {
		return o.count("/seg0.ts")+o.count("/seg1.ts")+o.count("/seg2.ts")+o.count("/seg3.ts")+o.count("/seg4.ts")+o.count("/seg5.ts") >= viewers
	})
	stop := time.Now()
	cancel()
	wg.Wait()
	took := time.Since(stop)
	var worst time.Duration
	for _, e := range exits {
		if e.Kind != ExitStopped || e.Killed {
			t.Errorf("exit %v; want stopped by SIGTERM", e)
		}
		worst = max(worst, e.StopLatency)
	}
	if len(exits) != viewers || len(pids) != viewers {
		t.Fatalf("%d starts, %d exits; want %d of each (no restarts)", len(pids), len(exits), viewers)
	}
	for _, pid := range pids {
		requireGone(t, pid, 0)
	}
	t.Logf("%d viewers stopped in %v (slowest stop %v)", viewers, took.Round(time.Millisecond), worst.Round(time.Millisecond))
}
