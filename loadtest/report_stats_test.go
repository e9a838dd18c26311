package loadtest

import (
	"reflect"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// thresholdView is what thresholds read of a snapshot or a point (see
// internal/threshold's sample), so that two Results can be compared for
// equal verdicts.
type thresholdView struct {
	Elapsed          int64
	Counters         stats.Counters
	Status           []stats.StatusCount
	Seg, Man, Start  stats.HistogramSnapshot
	Active, Stalled  int
	SpeedViewers     int
	SpeedMin, SpeedM float64
	DriftMax         int64
	Generator        stats.Generator
}

func viewOfSnapshot(s *stats.Snapshot) thresholdView {
	v := thresholdView{
		Elapsed: int64(s.Elapsed), Counters: s.Counters, Status: s.Status,
		Seg: s.SegmentLatency, Man: s.ManifestLatency, Start: s.Startup,
		Active: s.Clients.Active, Stalled: s.Clients.Stalled, SpeedViewers: s.SpeedViewers,
		SpeedMin: s.SpeedMin, SpeedM: s.SpeedMean, DriftMax: int64(s.DriftMax), Generator: s.Generator,
	}
	if len(v.Status) == 0 {
		v.Status = nil
	}
	return v
}

func viewOfPoint(p *stats.Point) thresholdView {
	v := thresholdView{
		Elapsed: int64(p.Elapsed), Counters: p.Counters, Status: p.Status,
		Seg: p.SegmentLatency, Man: p.ManifestLatency,
		Active: p.Clients.Active, Stalled: p.Clients.Stalled, SpeedViewers: p.SpeedViewers,
		SpeedMin: p.SpeedMin, SpeedM: p.SpeedMean, DriftMax: int64(p.DriftMax), Generator: p.Generator,
	}
	if len(v.Status) == 0 {
		v.Status = nil
	}
	return v
}

// sameStats fails unless got's stats snapshot and history give thresholds
// exactly what want's do.
func sameStats(t *testing.T, got, want *Result) {
	t.Helper()
	if got.snap == nil {
		t.Fatal("read-back Result has no stats snapshot")
	}
	if g, w := viewOfSnapshot(got.snap), viewOfSnapshot(want.snap); !reflect.DeepEqual(g, w) {
		t.Errorf("read-back snapshot:\ngot  %+v\nwant %+v", g, w)
	}
	if len(got.points) != len(want.points) {
		t.Fatalf("read-back history has %d points; want %d", len(got.points), len(want.points))
	}
	for i := range got.points {
		if g, w := viewOfPoint(&got.points[i]), viewOfPoint(&want.points[i]); !reflect.DeepEqual(g, w) {
			t.Errorf("read-back point %d:\ngot  %+v\nwant %+v", i, g, w)
		}
		// A point's Time is the wall clock, its Elapsed the monotonic one
		// (what thresholds read); a report keeps Elapsed and the epoch, and
		// the two clocks drift apart by nanoseconds over a run.
		if d := got.points[i].Time.Sub(want.points[i].Time); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("read-back point %d at %v; want %v", i, got.points[i].Time, want.points[i].Time)
		}
	}
	if got.warmUpPeriod() != want.warmUpPeriod() {
		t.Errorf("read-back WarmUpPeriod = %s; want %s", got.warmUpPeriod(), want.warmUpPeriod())
	}
}
