package stats

import (
	"testing"
	"time"
)

// TestPlaybackCounters: a buffer model's playback, stalls, stall time and
// switches are summed over viewers, subtract over windows, and tell
// whether playback was measured at all.
func TestPlaybackCounters(t *testing.T) {
	t.Parallel()
	a := NewAggregator(Options{})
	native, ffmpeg := a.AddViewer(0), a.AddViewer(1)
	ffmpeg.AddRequest(KindSegment)
	native.AddPlayback(9 * time.Second)
	native.AddPlayback(-time.Second) // ignored
	native.AddStall()
	native.AddStallTime(time.Second)
	native.AddStallTime(0) // ignored
	native.AddPlayback(time.Second)
	native.AddRenditionSwitch()
	var before, snap Snapshot
	a.Snapshot(&snap, false)
	c := snap.Counters
	if c.PlaybackTime != uint64(10*time.Second) || c.Stalls != 1 || c.StallTime != uint64(time.Second) || c.RenditionSwitches != 1 {
		t.Fatalf("counters %+v; want 10 s of playback, 1 stall of 1 s, 1 switch", c)
	}
	if r := RebufferRatio(&c); r.NoData || r.Value != 0.1 {
		t.Errorf("RebufferRatio %+v; want 0.1", r)
	}
	for name, want := range map[string]uint64{"playback_time": uint64(10 * time.Second), "stalls": 1, "stall_time": uint64(time.Second), "rendition_switches": 1} {
		if got, ok := CounterValue(&c, name); !ok || got != want || !PlaybackMetric(name) {
			t.Errorf("CounterValue(%s) = %d, %v; want %d, a playback metric", name, got, ok, want)
		}
	}
	if r, ok := RateValue(&c, "rebuffer_ratio"); !ok || r.Value != 0.1 {
		t.Errorf("RateValue(rebuffer_ratio) = %+v, %v", r, ok)
	}
	before = snap
	a.Snapshot(&snap, false)
	w := snap.Counters
	w.Sub(&before.Counters)
	if w.PlaybackMeasured() || w.Stalls != 0 {
		t.Errorf("a window without playback: %+v; want nothing measured", w)
	}
	if r := RebufferRatio(&w); !r.NoData {
		t.Errorf("RebufferRatio of an unmeasured window %+v; want no data", r)
	}
	var sum Counters
	sum.Add(&c)
	sum.Add(&c)
	if sum.Stalls != 2 || sum.StallTime != 2*uint64(time.Second) || !sum.PlaybackMeasured() {
		t.Errorf("sum %+v", sum)
	}
	if PlaybackMetric("segment_requests") {
		t.Error("segment_requests is no playback metric")
	}
}
