package e2e

import (
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestStalledViewers holds one segment response of two viewers (of four)
// for 14 s before its headers, within the viewers' 20 s timeout: their
// media time stops for longer than the stall timeout (10 s) while nothing
// fails. The stalled-viewers gauge must peak at exactly the viewers the
// origin held that long, and "max(clients_stalled) == 0" must fail.
func TestStalledViewers(t *testing.T) {
	t.Parallel()
	const hold = 14 * time.Second
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	f := loadtest.Start(t, loadtest.Config{
		URL: origin.URL(), Clients: 4, Ramp: time.Second, Duration: 26 * time.Second,
		Timeout: 20 * time.Second, ProgressInterval: -1, Origin: origin,
	})
	testkit.WaitFor(t, 15*time.Second, "4 active viewers", func() bool { return f.Snapshot().Clients.Active == 4 })
	time.Sleep(2 * time.Second)
	stall := func(client string) fixtures.Fault {
		return fixtures.Fault{Type: fixtures.FaultHeaderStall, Delay: hold, Kinds: []fixtures.Kind{fixtures.KindSegment}, Client: client, Limit: 1}
	}
	if err := origin.SetFaults(stall("1"), stall("3")); err != nil {
		t.Fatal(err)
	}
	res := f.Wait()
	truth := idleTruth(t, origin)

	held := map[string]bool{} // clients with a response held >= 10 s
	for _, r := range origin.Requests() {
		if r.Fault == fixtures.FaultHeaderStall && r.Duration >= 10*time.Second {
			held[r.Client] = true
		}
	}
	if got, want := res.QoE.PeakStalledViewers, len(held); got != want || want != 2 {
		t.Errorf("peak stalled viewers = %d; origin held %d viewers (%v) for >= 10s; want equal, 2", got, want, held)
	}
	thresholdFails(t, res, "max(clients_stalled) == 0")
	if tot := res.Totals; tot.HTTPErrors+tot.Timeouts+tot.SegmentFailures != 0 {
		t.Errorf("errors %d timeouts %d segment failures %d; want none: the held responses came, late", tot.HTTPErrors, tot.Timeouts, tot.SegmentFailures)
	}
	truthDiff(t, truth, res, 4)
	vs, _ := assert.Check(res, "max(clients_stalled) == 0", "max(drift) < 5s")
	t.Logf("held viewers %v; faults %v\n%s", held, truth.Faults, vs.Table())
}
