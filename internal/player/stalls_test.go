package player

import (
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
)

// TestPlayStallsCounted: the buffer model's stalls, stall time and
// played time reach the viewer's stats as they reach its Report; a
// healthy play counts playback time and no stall.
func TestPlayStallsCounted(t *testing.T) {
	t.Parallel()
	within := func(got, want uint64) bool { // flush and Report read the clock apart
		d := int64(got) - int64(want)
		return d > -int64(100*time.Millisecond) && d < int64(100*time.Millisecond)
	}
	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		origin := fixtures.NewOrigin(t, fixtures.Live{})
		p := playFor(t, origin, ClientOptions{}, Viewer{ID: 3, URL: origin.MediaURLs()[0]}, 4*time.Second)
		if p.rep.Stalls != 0 || p.row.Stalls != 0 || p.row.StallTime != 0 {
			t.Errorf("report %+v, stats %d stalls, %v: want no stall on a healthy origin", p.rep, p.row.Stalls, time.Duration(p.row.StallTime))
		}
		if !p.row.PlaybackMeasured() || !within(p.row.PlaybackTime, uint64(p.rep.Played)) {
			t.Errorf("playback time %v; want the %v played", time.Duration(p.row.PlaybackTime), p.rep.Played)
		}
	})
	t.Run("segments lost", func(t *testing.T) {
		t.Parallel()
		// Every other segment is lost: half the media a second arrives,
		// so the buffer runs dry again and again.
		origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(
			fixtures.Fault{Type: fixtures.FaultStatus, Status: 404, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 2},
		))
		p := playFor(t, origin, ClientOptions{}, Viewer{ID: 4, URL: origin.MediaURLs()[0]}, 9*time.Second)
		if p.rep.Stalls == 0 || p.rep.StallTime < time.Second {
			t.Fatalf("report %+v; want stalls of a second or more with half the segments lost", p.rep)
		}
		if p.row.Stalls != uint64(p.rep.Stalls) {
			t.Errorf("stats count %d stalls; the report %d", p.row.Stalls, p.rep.Stalls)
		}
		if !within(p.row.StallTime, uint64(p.rep.StallTime)) {
			t.Errorf("stats count %v of stall time; the report %v", time.Duration(p.row.StallTime), p.rep.StallTime)
		}
		if !within(p.row.PlaybackTime, uint64(p.rep.Played+p.rep.StallTime)) {
			t.Errorf("playback time %v; want played %v + stalled %v", time.Duration(p.row.PlaybackTime), p.rep.Played, p.rep.StallTime)
		}
	})
}
