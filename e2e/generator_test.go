package e2e

import (
	"context"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// generatorFleet is a small healthy fleet against the in-process live
// fixture: 4 viewers for 15 s after a 3 s warm-up.
func generatorFleet(t testing.TB, origin *fixtures.Origin, failOnSaturation bool) *loadtest.Result {
	return loadtest.Run(t, loadtest.Config{
		URL: origin.URL(), Clients: 4, Duration: 15 * time.Second, WarmUp: 3 * time.Second,
		FailOnSaturatedGenerator: failOnSaturation,
	})
}

// logSeconds logs the generator's per-second readings, one line.
func logSeconds(t *testing.T, res *loadtest.Result) {
	t.Helper()
	var b strings.Builder
	for _, p := range res.History {
		g := p.Generator
		if g == nil {
			continue
		}
		b.WriteString(" " + p.Elapsed.Round(time.Second).String() + ":")
		if g.CPUPressure != nil {
			b.WriteString(" cpu " + strconv.Itoa(int(100**g.CPUPressure)) + "%")
		}
		if g.SchedLatencyP99 != nil {
			b.WriteString(" sched " + g.SchedLatencyP99.Round(100*time.Microsecond).String())
		}
		if g.SlowViewers != nil {
			b.WriteString(" slow " + strconv.Itoa(int(100**g.SlowViewers)) + "%")
		}
		if g.Saturated != "" {
			b.WriteString(" SAT")
		}
		b.WriteString(";")
	}
	t.Logf("generator per second:%s", b.String())
}

// cpuPressureNow returns the machine's CPU pressure (PSI some) over the
// next two seconds: the share of them in which a task waited for a CPU.
// (avg10 would still hold the compiler's work that came before the test.)
func cpuPressureNow(t *testing.T) float64 {
	t.Helper()
	p, ok := cpuPressureOver(2 * time.Second)
	if !ok {
		t.Skip("no Linux PSI (/proc/pressure/cpu): the generator's CPU pressure cannot be read here")
	}
	return p
}

// TestGeneratorSaturation saturates the generating machine on purpose
// (stress-ng, two CPU hogs per core, bounded to the run) under a healthy
// fixture origin: the Result reports the saturation, a failing latency
// verdict names it, and the generator check fails the run when asked to.
// The same fleet without the hog reports a healthy generator, when the
// machine was quiet enough before it to show one.
//
// It runs its two fleets one after the other and not beside the other
// tests of the package: its hog would saturate their fleets too.
func TestGeneratorSaturation(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: two 15 s fleets, one beside a CPU hog")
	}
	before := cpuPressureNow(t)
	stress, err := exec.LookPath("stress-ng")
	if err != nil {
		t.Skip("stress-ng is not installed (make deps installs it): it is the CPU hog of this test")
	}
	origin := fixtures.NewOrigin(t, fixtures.Live{})

	t.Run("quiet", func(t *testing.T) {
		res := generatorFleet(t, origin, false)
		t.Log("\n" + res.Summary())
		logSeconds(t, res)
		g := res.Generator
		if g.Seconds < 10 || g.CPUPressureMax == nil || g.SchedLatencyMax == nil || g.FDsMax == nil || g.MemAvailableMin == nil {
			t.Fatalf("generator readings missing: %+v", g)
		}
		// Only a machine quiet before the run can be expected to stay
		// healthy through it: PSI is machine-wide, and other work on a
		// shared machine (another test binary, a CI job) counts too.
		if before >= 0.1 {
			t.Logf("the machine was busy before the run (CPU pressure %.0f%% over 2 s): its generator need not be healthy; saturated %d of %d s",
				100*before, g.SaturatedSeconds, g.Seconds)
			return
		}
		assert.Thresholds(t, res, "mean(generator_saturated) < 25%", "max(generator_fd_usage) < 50%")
		if p := g.Problem(); p != "" {
			t.Errorf("quiet run: %s", p)
		}
	})

	t.Run("hog", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
		// Two hogs a core: with one a core, PSI reads about 50 % (a task of
		// the fleet waits whenever it runs), on the limit; with two, the
		// hogs themselves queue and every second is saturated.
		hogs := 2 * runtime.NumCPU()
		hog := exec.CommandContext(ctx, stress, "--cpu", strconv.Itoa(hogs), "--timeout", "25s", "--quiet")
		if err := hog.Start(); err != nil {
			cancel()
			t.Fatalf("starting %s: %v", stress, err)
		}
		t.Cleanup(func() {
			cancel()
			_ = hog.Wait()
		})
		time.Sleep(time.Second) // let the hog's workers spin up
		rec := &testkit.Recorder{TB: t, RealFatal: true}
		res := generatorFleet(rec, origin, true)
		t.Log("\n" + res.Summary())
		logSeconds(t, res)
		g := res.Generator
		if g.SaturatedShare <= loadtest.SaturatedShareLimit || len(g.Saturated) == 0 {
			t.Fatalf("with %d CPU hogs, saturated %d of %d s (%.0f%%); want more than %.0f%%: %+v",
				hogs, g.SaturatedSeconds, g.Seconds, 100*g.SaturatedShare, 100*loadtest.SaturatedShareLimit, g)
		}
		failed := strings.Join(rec.Errors(), "\n")
		if !strings.Contains(failed, "the generator (the machine running the viewers) was saturated for") ||
			!strings.Contains(failed, "Config.FailOnSaturatedGenerator") {
			t.Errorf("the run did not fail on its saturated generator; its errors:\n%s", failed)
		}
		// A latency bound no loaded machine meets, to see the note on a
		// failing latency verdict.
		vs, err := assert.Check(res, "p99(segment_latency) < 1us", "mean(generator_saturated) < 25%")
		if err == nil {
			t.Fatalf("thresholds passed on a saturated generator:\n%s", vs.Table())
		}
		if lat := vs[0]; lat.Passed() || !strings.Contains(lat.Note, "the generator was") {
			t.Errorf("latency verdict %s; want a failure naming the saturated generator", lat)
		}
		if gen := vs[1]; gen.Passed() {
			t.Errorf("generator verdict %s; want a failure", gen)
		}
		t.Logf("verdicts under the hog:\n%s", vs.Table())
	})
}
