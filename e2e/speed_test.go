package e2e

import (
	"os"
	"path/filepath"
	"slices"
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

// TestSpeedNoFalseAlarm runs 20 healthy live fleets (6 viewers, 13 s)
// against the in-process fixture origin, two at a time (on a busy machine
// 6, one at a time, held to what it allows: see below): each must pass
// min(speed) >= 0.95 and the default regression gate against the first,
// since speed is read at the steps of out time and forgives one step that
// came a playlist reload late (see stats.Viewer.ObserveProgress), not at
// whatever instant a window ends between two segments. A fleet of a
// bandwidth-capped origin (10 kB/s on segments, 0.77x-0.81x; 18 s) must
// still fail min(speed) >= 0.95.
//
// Two fleets at a time (12 ffmpeg viewers copying 1 s segments, a few
// percent of a core) keep it under 3 minutes; the fleets share nothing but
// the machine, whose health each run reads. The log counts the reloads
// that found no new segment (see reloadMisses), the late step speed must
// forgive: the runs' start phases are swept so that some meet it.
//
// Not parallel: it sets HLSSWARM_UPDATE_BASELINE, and it measures speed on
// a machine as quiet as the package allows.
//
// It measures playback timing, which the race detector distorts (it slows
// the in-process origin and the harness several times over), so under
// -race it skips: `make test` runs it again without the race detector
// (`make test-timing`).
func TestSpeedNoFalseAlarm(t *testing.T) {
	if raceEnabled {
		t.Skip("measures playback timing, which the race detector distorts: make test runs it without -race (make test-timing)")
	}
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
	runs, together := 20, 2
	if busyBefore {
		// What a busy machine allows is judged loosely (below); fewer
		// runs, one at a time, keep the test short and add no load.
		runs, together = 6, 1
	}
	var speeds []string
	measured, misses := 0, 0
	for first := 0; first < runs; first += together {
		var fleets []*loadtest.Fleet
		var origins []*fixtures.Origin
		for range min(together, runs-first) {
			origins = append(origins, fixtures.NewOrigin(t, fixtures.Live{}))
		}
		// Run i starts i/runs of a segment later against its origin's
		// clock, so that the runs sweep the viewers' reload phase across
		// the instant a segment is published (where one comes a reload
		// late; see below) instead of all meeting it alike.
		t0 := time.Now()
		for i, o := range origins {
			time.Sleep(time.Until(t0.Add(time.Duration(first+i) * time.Second / time.Duration(runs) % time.Second)))
			fleets = append(fleets, loadtest.Start(t, cfg(o)))
		}
		for i, f := range fleets {
			run := first + i
			res := f.Wait()
			origins[i].Close()
			misses += reloadMisses(origins[i].Requests())
			m, err := res.Measure("min(speed)")
			if err != nil {
				t.Fatal(err)
			}
			speeds = append(speeds, m.String())
			// Beside a busy core ffmpeg itself falls behind (0.913x seen
			// with stress-ng --cpu 1): where the run's own generator
			// health says the machine was saturated, the healthy-origin
			// bounds are what that allows, and the gate's verdict is
			// logged, not judged.
			busy := busyBefore || res.Generator.SaturatedShare > 0.25 // the share at which loadtest warns
			speedBound, judge := "min(speed) >= 0.95", t.Errorf
			if busy {
				speedBound, judge = "min(speed) >= 0.85", t.Logf
				t.Logf("run %d of %d: a busy machine (busy before the fleets: %v; generator saturated %d of %d s): speed held to 0.85, the regression gate logged", run+1, runs,
					busyBefore, res.Generator.SaturatedSeconds, res.Generator.Seconds)
			}
			switch {
			case busy && !m.OK:
				// ffmpeg took seconds to start (4 s seen beside other
				// work): no viewer played long enough for a speed.
				t.Logf("run %d of %d: no speed on a busy machine", run+1, runs)
			case !assert.Thresholds(t, res, speedBound):
				t.Errorf("run %d of %d: false alarm on a healthy origin", run+1, runs)
			default:
				measured++
			}
			if run == 0 {
				t.Setenv(assert.UpdateBaselineEnv, "1")
			} else {
				t.Setenv(assert.UpdateBaselineEnv, "")
			}
			gate := &testkit.Recorder{TB: t, RealFatal: true}
			if !assert.NoRegression(gate, res, baseline, nil) {
				judge("run %d of %d: the default regression gate failed a healthy run: %s", run+1, runs, strings.Join(gate.Errors(), "\n"))
			}
		}
	}
	t.Logf("min(speed) of the %d healthy runs: %s; media playlist reloads that found no new segment: %d", runs, strings.Join(speeds, " "), misses)
	if measured == 0 {
		t.Errorf("no healthy run measured a speed: nothing was checked")
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

// reloadMisses counts the media playlist reloads in an origin's request
// log that found no new segment: a viewer's playlist request followed by
// another with no segment request between them, after its first segment.
// ffmpeg reloads a target duration after its last load and, when that
// finds nothing new (it came just before the segment was published),
// again half a target duration later: that segment comes about 0.5 s
// late. The fixture publishes a segment a second except once a pass (8
// segments, 8.043 s of media), where the wait is 1.043 s, longer than
// ffmpeg's reload interval (1.010 s on average on a quiet machine): every
// miss traced was that segment.
func reloadMisses(reqs []fixtures.Request) int {
	slices.SortFunc(reqs, func(a, b fixtures.Request) int { return a.Start.Compare(b.Start) })
	type state struct{ playing, reloaded bool }
	by := map[string]*state{}
	n := 0
	for _, r := range reqs {
		if r.Client == "" {
			continue
		}
		c := by[r.Client]
		if c == nil {
			c = &state{}
			by[r.Client] = c
		}
		switch r.Kind {
		case fixtures.KindSegment:
			c.playing, c.reloaded = true, false
		case fixtures.KindMedia:
			if c.playing && c.reloaded {
				n++
			}
			c.reloaded = true
		}
	}
	return n
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
