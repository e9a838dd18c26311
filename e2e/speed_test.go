package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/genhealth"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestSpeedNoFalseAlarm runs healthy live fleets (6 viewers, 13 s) against
// the in-process fixture origin, serially: each must pass
// min(speed) >= 0.88 and the regression gate against the first (the
// defaults, with min(speed) allowed 10 % + 0.02; see below),
// since speed is read at the steps of out time (see
// stats.Viewer.ObserveProgress), not at whatever instant a window ends
// between two segments. A fleet of a bandwidth-capped origin (10 kB/s on
// segments, about 0.7x; 18 s) must still fail min(speed) >= 0.95. The 20-run
// proof on recorded timing is internal/stats TestHealthyReplayNoFalseAlarm.
//
// Not parallel: it sets HLSSWARM_UPDATE_BASELINE, and it measures speed on
// a machine as quiet as the package allows.
//
// It measures playback timing, which the race detector distorts (it slows
// the in-process origin and the harness several times over: 0.903x and
// 0.914x were seen under -race on a quiet machine), so under -race it
// skips: `make test` runs it again without the race detector
// (`make test-timing`).
func TestSpeedNoFalseAlarm(t *testing.T) {
	if raceEnabled {
		t.Skip("measures playback timing, which the race detector distorts: make test runs it without -race (make test-timing)")
	}
	const runs = 3
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	cfg := func(o *fixtures.Origin) loadtest.Config {
		return loadtest.Config{URL: o.URL(), Clients: 6, Ramp: time.Second, Duration: 12 * time.Second,
			ProgressInterval: -1, Origin: o}
	}
	// A machine busy before the first fleet (over a quarter of its CPU
	// time used for 2 s) is busy for all of them: PSI's per-second
	// readings of one run can miss it (one run beside stress-ng --cpu 1
	// read 0.902x with under a quarter of its seconds saturated).
	busyBefore := machineBusy(t)
	for run := range runs {
		origin := fixtures.NewOrigin(t, fixtures.Live{})
		res := loadtest.Run(t, cfg(origin))
		// Beside a busy core ffmpeg itself falls behind (0.913x seen with
		// stress-ng --cpu 1): where the run's own generator health says
		// the machine was saturated, the healthy-origin bounds are what
		// that allows, and the gate's verdict is logged, not judged.
		busy := busyBefore || res.Generator.SaturatedShare > 0.25 // the share at which loadtest warns
		// On a quiet machine a healthy live ffmpeg viewer of 1 s segments
		// can read about 0.9 for one window, as if one segment came a
		// playlist reload late (the README's speed note has the figures;
		// the cause is open): the bound and the gate hold what holds.
		speedBound, judge := "min(speed) >= 0.88", t.Errorf
		if busy {
			speedBound, judge = "min(speed) >= 0.85", t.Logf
			t.Logf("run %d of %d: a busy machine (busy before the fleets: %v; generator saturated %d of %d s): speed held to 0.85, the regression gate logged", run+1, runs,
				busyBefore, res.Generator.SaturatedSeconds, res.Generator.Seconds)
		}
		if !assert.Thresholds(t, res, speedBound) {
			t.Errorf("run %d of %d: false alarm on a healthy origin", run+1, runs)
		}
		if run == 0 {
			t.Setenv(assert.UpdateBaselineEnv, "1")
		} else {
			t.Setenv(assert.UpdateBaselineEnv, "")
		}
		gate := &testkit.Recorder{TB: t, RealFatal: true}
		tol := assert.DefaultTolerances()
		tol["min(speed)"] = assert.Tolerance{Relative: 0.10, Absolute: 0.02, HigherIsBetter: true} // the dip above
		if !assert.NoRegression(gate, res, baseline, tol) {
			judge("run %d of %d: the default regression gate failed a healthy run: %s", run+1, runs, strings.Join(gate.Errors(), "\n"))
		}
		origin.Close()
	}
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	if err := origin.SetFaults(fixtures.Fault{Type: fixtures.FaultBandwidth, BytesPerSecond: 10_000,
		Kinds: []fixtures.Kind{fixtures.KindSegment}}); err != nil {
		t.Fatal(err)
	}
	// Longer: a capped viewer's first progress comes a few seconds in, and
	// a speed needs 7 s of progress after it.
	capped := cfg(origin)
	capped.Duration = 18 * time.Second
	rec := &testkit.Recorder{TB: t, RealFatal: true}
	res := loadtest.Run(rec, capped)
	vs, err := assert.Check(res, "min(speed) < 0.95")
	if err != nil || !vs.OK() {
		t.Errorf("bandwidth-capped origin: want min(speed) < 0.95 (a real slowdown stays visible): %v\n%s", err, vs.Table())
	}
	t.Logf("bandwidth-capped: %s", vs.Table())
}

// machineBusy reports whether the machine's CPUs were more than a quarter
// busy over the next 2 s (/proc/stat), before any fleet of the test ran:
// one CPU hog on two cores reads about half busy, a quiet machine a few
// percent. (PSI reads 0 % then: the hog has a core to itself.) False where
// /proc/stat cannot be read.
func machineBusy(t *testing.T) bool {
	t.Helper()
	read := func() (idle, total uint64, ok bool) {
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, 0, false
		}
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "cpu" {
			return 0, 0, false
		}
		for i, v := range f[1:] {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, 0, false
			}
			total += n
			if i == 3 || i == 4 { // idle, iowait
				idle += n
			}
		}
		return idle, total, true
	}
	i0, t0, ok0 := read()
	time.Sleep(2 * time.Second)
	i1, t1, ok1 := read()
	if !ok0 || !ok1 || t1 <= t0 {
		return false
	}
	used := 1 - float64(i1-i0)/float64(t1-t0)
	t.Logf("machine busy before the fleets: %.0f%% of its CPU time used over 2 s", 100*used)
	return used > 0.25
}

// cpuPressureOver returns the machine's CPU pressure (PSI some) over the
// next span: the share of it in which a task waited for a CPU. ok is false
// where PSI cannot be read.
func cpuPressureOver(span time.Duration) (pressure float64, ok bool) {
	read := func() (uint64, bool) {
		b, err := os.ReadFile("/proc/pressure/cpu")
		if err != nil {
			return 0, false
		}
		_, total, err := genhealth.ParsePressure(b)
		return total, err == nil
	}
	a, ok := read()
	if !ok {
		return 0, false
	}
	time.Sleep(span)
	b, ok := read()
	if !ok || b < a {
		return 0, false
	}
	return float64(b-a) / float64(span.Microseconds()), true
}
