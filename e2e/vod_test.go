package e2e

import (
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestVODIsWatched: by default a VOD (the fixture's 8 s) is played at real
// time and started again at its end, so the origin sees the viewers for
// the whole run, not one burst in its first second; the replays are no
// failures and no restarts.
func TestVODIsWatched(t *testing.T) {
	t.Parallel()
	const clients, duration = 2, 14 * time.Second
	origin := fixtures.NewOrigin(t, fixtures.VOD{})
	res := loadtest.Run(t, loadtest.Config{
		URL: origin.URL(), Clients: clients, Ramp: 200 * time.Millisecond, Duration: duration,
		ProgressInterval: -1, Origin: origin,
	})
	var first, last time.Time
	for _, r := range origin.Requests() {
		if r.Kind != fixtures.KindSegment || r.Client == "" {
			continue
		}
		if first.IsZero() || r.Start.Before(first) {
			first = r.Start
		}
		if r.Start.After(last) {
			last = r.Start
		}
	}
	// Real time: segments are asked for over seconds, not in a burst (a
	// download of the 8 s of VOD takes about 0.3 s here). The bound is
	// half the content, not of the run: on a saturated generator ffmpeg
	// took 1.85 s (p95) to start and its requests spread over 6.3 s of
	// the 14 s run, still twenty times a download's.
	if spread := last.Sub(first); spread < 4*time.Second {
		t.Errorf("segment requests spread over %s of a %s run; want at least half the 8 s content (played at real time)", spread, duration)
	}
	// 14 s of 8 s content: each viewer reached the end at least once.
	if res.Replays < clients || res.Exits["clean"] < clients {
		t.Errorf("replays %d, exits %v; want each viewer to reach the end and start again", res.Replays, res.Exits)
	}
	assert.Thresholds(t, res, "restarts == 0", "http_errors == 0", "min(clients_active) >= 2 after 2s")
	// About one 1 s segment a second a viewer, far from a download's
	// hundreds.
	if seg := res.Totals.Requests.Segment; seg > uint64(clients)*uint64(duration/time.Second+8) {
		t.Errorf("%d segment requests for %d viewers over %s; want about one a second each", seg, clients, duration)
	}
}
