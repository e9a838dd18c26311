package loadtest

import (
	"strings"
	"testing"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// panickingTruth is a user's GroundTruth with a bug.
type panickingTruth struct{ calls int }

func (p *panickingTruth) RequestCounts() map[string]map[int]int64 {
	p.calls++
	panic("origin log rotated")
}

// TestPanickingGroundTruthFailsOneTest: a panic in the user's
// RequestCounts fails Start (or the test) with the panic's value, and the
// test binary goes on.
func TestPanickingGroundTruthFailsOneTest(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &testkit.Recorder{TB: t}
	truth := &panickingTruth{}
	rec.Go(func() {
		Start(rec, Config{URL: origin.URL(), Clients: 1, Origin: truth})
	})
	errs := rec.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0], "Config.Origin.RequestCounts panicked: origin log rotated") {
		t.Fatalf("failures = %q; want one naming the panic", errs)
	}
	if truth.calls != 1 {
		t.Errorf("RequestCounts called %d times; want 1", truth.calls)
	}
	if pids := ffmpegsServing(t, origin.URL()); len(pids) != 0 {
		t.Errorf("ffmpeg processes started by a failed Start: %v", pids)
	}
}
