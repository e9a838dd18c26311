package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/genhealth"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestSpeedNoFalseAlarm runs healthy live fleets (6 viewers, 13 s) against
// the in-process fixture origin, serially: each must pass
// min(speed) >= 0.95 and the default regression gate against the first,
// since speed is read at the steps of out time (see
// stats.Viewer.ObserveProgress), not at whatever instant a window ends
// between two segments. A fleet of a bandwidth-capped origin (10 kB/s on
// segments, about 0.7x; 18 s) must still fail min(speed) >= 0.95. The 20-run
// proof on recorded timing is internal/stats TestHealthyReplayNoFalseAlarm.
//
// Not parallel: it sets HLSSWARM_UPDATE_BASELINE, and it measures speed on
// a machine as quiet as the package allows.
func TestSpeedNoFalseAlarm(t *testing.T) {
	const runs = 3
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	cfg := func(o *fixtures.Origin) loadtest.Config {
		return loadtest.Config{URL: o.URL(), Clients: 6, Ramp: time.Second, Duration: 12 * time.Second,
			ProgressInterval: -1, Origin: o}
	}
	// A machine busy before the first fleet (CPU pressure over 10 % for
	// 2 s) is busy for all of them: PSI's per-second readings of one run
	// can miss it (one run beside stress-ng --cpu 1 read 0.902x with
	// under a quarter of its seconds saturated).
	busyBefore := machineBusy(t)
	for run := range runs {
		origin := fixtures.NewOrigin(t, fixtures.Live{})
		res := loadtest.Run(t, cfg(origin))
		// Beside a busy core ffmpeg itself falls behind (0.913x seen with
		// stress-ng --cpu 1): where the run's own generator health says
		// the machine was saturated, the healthy-origin bounds are what
		// that allows, and the gate's verdict is logged, not judged.
		busy := busyBefore || res.Generator.SaturatedShare > 0.25 // the share at which loadtest warns
		speedBound, judge := "min(speed) >= 0.95", t.Errorf
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
		gate := &recordingTB{TB: t}
		if !assert.NoRegression(gate, res, baseline, nil) {
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
	rec := &recordingTB{TB: t}
	res := loadtest.Run(rec, capped)
	vs, err := assert.Check(res, "min(speed) < 0.95")
	if err != nil || !vs.OK() {
		t.Errorf("bandwidth-capped origin: want min(speed) < 0.95 (a real slowdown stays visible): %v\n%s", err, vs.Table())
	}
	t.Logf("bandwidth-capped: %s", vs.Table())
}

// machineBusy reports whether the machine's CPU pressure (Linux PSI) was
// over 10 % in the next 2 s; false where PSI cannot be read.
func machineBusy(t *testing.T) bool {
	t.Helper()
	p, ok := cpuPressureOver(2 * time.Second)
	busy := ok && p > 0.10
	t.Logf("machine busy before the fleets (CPU pressure > 10%% over 2 s): %v (%.0f%%)", busy, 100*p)
	return busy
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
