package ffmpeg

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 2, Jitter: 0.25}.withDefaults()
	rng := rand.New(rand.NewPCG(7, 0x9e3779b97f4a7c15))
	for streak := 1; streak <= 8; streak++ {
		base := 100 * time.Millisecond << (streak - 1)
		if base > time.Second {
			base = time.Second
		}
		for i := 0; i < 50; i++ {
			d := b.delay(streak, rng)
			lo := time.Duration(float64(base) * 0.75)
			hi := min(time.Duration(float64(base)*1.25), time.Second)
			if d < lo || d > hi {
				t.Fatalf("streak %d: delay %v outside [%v, %v]", streak, d, lo, hi)
			}
		}
	}
	// The same seed gives the same delays; another seed does not.
	seq := func(seed uint64) []time.Duration {
		r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		var out []time.Duration
		for i := 1; i <= 5; i++ {
			out = append(out, b.delay(i, r))
		}
		return out
	}
	a, a2, c := seq(1), seq(1), seq(2)
	for i := range a {
		if a[i] != a2[i] {
			t.Fatalf("seed 1 gave %v then %v", a, a2)
		}
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Errorf("seeds 1 and 2 gave the same delays %v", a)
	}
}

func TestBackoffStreak(t *testing.T) {
	t.Parallel()
	b := Backoff{ResetAfter: 10 * time.Second}.withDefaults()
	fail := Exit{Kind: ExitError, Runtime: time.Second}
	tests := []struct {
		name   string
		streak int
		e      Exit
		want   int
	}{
		{"first failure", 0, fail, 1},
		{"failures in a row grow", 3, fail, 4},
		{"failure after a healthy run restarts the count", 5, Exit{Kind: ExitError, Runtime: 10 * time.Second}, 1},
		{"foreign signal is a failure", 1, Exit{Kind: ExitSignaled, Runtime: time.Second}, 2},
		{"failed start is a failure", 2, Exit{Kind: ExitStartFailed}, 3},
		{"clean exit resets", 6, Exit{Kind: ExitClean, Runtime: time.Millisecond}, 0},
	}
	for _, tt := range tests {
		if got := b.nextStreak(tt.streak, tt.e); got != tt.want {
			t.Errorf("%s: nextStreak(%d) = %d; want %d", tt.name, tt.streak, got, tt.want)
		}
	}
}

func TestParseNames(t *testing.T) {
	t.Parallel()
	for _, c := range []VariantChoice{VariantAll, VariantFirst, VariantHighest, VariantLowest} {
		if got, err := ParseVariantChoice(c.String()); err != nil || got != c {
			t.Errorf("ParseVariantChoice(%q) = %v, %v", c, got, err)
		}
	}
	for _, p := range []RestartPolicy{RestartNever, RestartOnFailure, RestartAlways} {
		if got, err := ParseRestartPolicy(p.String()); err != nil || got != p {
			t.Errorf("ParseRestartPolicy(%q) = %v, %v", p, got, err)
		}
	}
	if _, err := ParseVariantChoice("best"); err == nil || !strings.Contains(err.Error(), "accepted values are all, first, highest, lowest") {
		t.Errorf("ParseVariantChoice(best) error = %v", err)
	}
	if _, err := ParseRestartPolicy("sometimes"); err == nil || !strings.Contains(err.Error(), "accepted values are never, on-failure, always") {
		t.Errorf("ParseRestartPolicy(sometimes) error = %v", err)
	}
}

func TestSuperviseValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Supervision
		want string
	}{
		{Supervision{}, "Supervision.Path: empty"},
		{Supervision{Path: "x", Policy: 9}, "Supervision.Policy = 9: accepted values are never, on-failure, always"},
		{Supervision{Path: "x", MaxRestarts: -1}, "Supervision.MaxRestarts = -1"},
		{Supervision{Path: "x", Backoff: Backoff{Initial: -1}}, "durations must be >= 0"},
		{Supervision{Path: "x", Backoff: Backoff{Multiplier: 0.5}}, "Multiplier = 0.5: must be >= 1"},
		{Supervision{Path: "x", Backoff: Backoff{Jitter: 1.5}}, "Jitter = 1.5: must be in [0, 1]"},
	}
	for _, tt := range tests {
		_, err := Supervise(context.Background(), tt.s)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Supervise(%+v) error = %v; want %q", tt.s, err, tt.want)
		}
	}
}

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

func TestSuperviseStartFailure(t *testing.T) {
	t.Parallel()
	var l runLog
	s := Supervision{Path: filepath.Join(t.TempDir(), "no-ffmpeg"), Policy: RestartOnFailure, MaxRestarts: 1,
		Backoff: Backoff{Initial: time.Millisecond}}
	l.hooks(&s)
	sum, err := Supervise(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Starts != 2 || sum.Exits[ExitStartFailed] != 2 || len(l.starts) != 0 || len(l.exits) != 2 {
		t.Fatalf("summary = %+v, %d OnStart, %d OnExit; want 2 failed starts reported to OnExit only", sum, len(l.starts), len(l.exits))
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
		waitFor(t, 10*time.Second, func() bool { return o.count("/live.m3u8") >= 1 })
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
	waitFor(t, 20*time.Second, func() bool {
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
