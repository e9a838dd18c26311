package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestRecovery breaks the origin for 3 s (every segment 503) in the middle
// of a run (6 s in, once every viewer plays), then heals it. The windowed
// threshold sees the bad window and names when it broke; the whole-run
// rate is lower; and after the fault the viewers play on without an error.
func TestRecovery(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	f := loadtest.Start(t, loadtest.Config{
		URL: origin.URL(), Clients: faultClients, Ramp: faultRamp, Duration: faultRunTime,
		ProgressInterval: -1, Origin: origin,
	})
	res, win := faultWindow(t, origin, f, 6*time.Second, 3*time.Second,
		fixtures.Fault{Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindSegment}})
	on, off := win.on, win.off

	// "after" starts 5 s past the fault's end: requests opened in the
	// fault's last second may come back after it.
	healed := fmt.Sprintf("http_errors == 0 after %ds", int((off+5*time.Second)/time.Second)+1)
	windowed, whole := "http_error_rate < 5% over 5s", "http_error_rate < 100%"
	vs, err := assert.Check(res, windowed, whole, healed)
	if err == nil || len(vs) != 3 {
		t.Fatalf("Check = %v, %v; want the windowed threshold to fail", vs, err)
	}
	w, r, after := vs[0], vs[1], vs[2]
	t.Logf("\n%s", vs.Table())
	if w.Passed() {
		t.Errorf("%q passed; want it to see the burst", windowed)
	}
	if w.At < on || w.At > off+5*time.Second+2*time.Second {
		t.Errorf("%q broke at %s; want within the burst (%s-%s) or its 5 s window", windowed, w.At, on, off)
	}
	if !r.Passed() || r.Observed <= 0 || r.Observed >= w.Observed/2 {
		t.Errorf("whole-run rate %g, worst 5 s window %g; want the whole run well below the window", r.Observed, w.Observed)
	}
	if !after.Passed() {
		t.Errorf("%q: %s %s; want no error once the origin healed", after.Expr, after.ObservedText(), after.Note)
	}
	within(t, "503s", int64(res.Totals.HTTPErrorsFor(503)), origin.Snapshot().ByKind[fixtures.KindSegment][503])
}

// TestBodyStallWithinTimeout stalls segment bodies for 6 s, below the
// viewers' 10 s timeout: ffmpeg waits and logs nothing, so no request
// counter can see the fault. The origin's ground truth shows it (its fault
// count and the long responses), and so does QoE: the stalled viewers'
// media time falls behind wall time (drift).
func TestBodyStallWithinTimeout(t *testing.T) {
	t.Parallel()
	o := runWithFault(t, fixtures.Fault{Type: fixtures.FaultBodyStall, Delay: 6 * time.Second, After: 5000,
		Kinds: []fixtures.Kind{fixtures.KindSegment}, Probability: 0.2}, 0, "")
	stalls := o.truth.Faults[fixtures.FaultBodyStall]
	if stalls == 0 {
		t.Fatal("no body stall injected")
	}
	var long int64
	for _, r := range o.log {
		if r.Fault == fixtures.FaultBodyStall && r.Duration >= 6*time.Second {
			long++
		}
	}
	within(t, "origin responses held >= 6s", long, stalls)
	tot := o.res.Totals
	if tot.HTTPErrors+tot.Timeouts+tot.Reconnects != 0 {
		t.Logf("note: errors %d timeouts %d reconnects %d (ffmpeg logged something)", tot.HTTPErrors, tot.Timeouts, tot.Reconnects)
	}
	thresholdFails(t, o.res, "max(drift) < 2s")
	vs, _ := assert.Check(o.res, "max(drift) < 2s")
	t.Logf("%d body stalls of 6 s; counters: errors %d timeouts %d reconnects %d; QoE:\n%s",
		stalls, tot.HTTPErrors, tot.Timeouts, tot.Reconnects, vs.Table())
}
