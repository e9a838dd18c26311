package threshold

import (
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// playbackRun drives a real Aggregator and History for 40 s of 4 viewers
// that make requests each second. With buffer is true the viewers report
// playback as the native engine's buffer model does, viewer 0 stalls from
// 20 s to 23 s and viewer 1 switches rendition at 10 s; without it they
// report none, as ffmpeg's viewers.
func playbackRun(buffer bool) Source {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	agg := stats.NewAggregator(stats.Options{Now: clock.Now})
	hist := stats.NewHistory(0)
	viewers := make([]*stats.Viewer, 4)
	for i := range viewers {
		viewers[i] = agg.AddViewer(i)
		viewers[i].Started(clock.Now())
	}
	var snap stats.Snapshot
	for sec := 1; sec <= 40; sec++ {
		clock.advance(time.Second)
		for i, v := range viewers {
			v.AddRequest(stats.KindManifest)
			v.AddRequest(stats.KindSegment)
			if !buffer {
				continue
			}
			v.AddPlayback(time.Second)
			if i == 0 && sec > 20 && sec <= 23 {
				if sec == 21 {
					v.AddStall()
				}
				v.AddStallTime(time.Second)
			}
			if i == 1 && sec == 10 {
				v.AddRenditionSwitch()
			}
		}
		agg.Snapshot(&snap, false)
		hist.Add(&snap)
	}
	return &statsSource{agg: agg, hist: hist, warm: 5 * time.Second}
}

// TestPlaybackMetrics: the buffer model's counters and rebuffer_ratio
// gate what the native engine measured, and have no data, with a note
// naming the native engine, on viewers without a buffer model.
func TestPlaybackMetrics(t *testing.T) {
	t.Parallel()
	runChecks(t, playbackRun(true), []check{
		{expr: "stalls == 0", status: Fail, observed: "1", at: 21 * time.Second},
		{expr: "stalls == 0 after 24s", status: Pass, at: -1},
		{expr: "stall_time < 2s", status: Fail, observed: "3s", at: -1},
		{expr: "stall_time < 2s over 10s", status: Fail, at: -1},
		{expr: "stall_time < 5s", status: Pass, at: -1},
		{expr: "playback_time >= 2m", status: Pass, at: -1},
		// 3 s stalled of 140 s played after the 5 s warm-up.
		{expr: "rebuffer_ratio < 1%", status: Fail, observed: "2.14%", at: -1},
		{expr: "rebuffer_ratio < 5%", status: Pass, at: -1},
		{expr: "rendition_switches == 0", status: Fail, observed: "1", at: 10 * time.Second},
		{expr: "rendition_switches <= 1", status: Pass, at: -1},
	})
	for _, expr := range []string{"stalls == 0", "stall_time < 1s", "rebuffer_ratio < 1%", "rendition_switches == 0", "playback_time > 0s"} {
		v := evalOne(t, playbackRun(false), expr)
		if v.Status != NoData {
			t.Errorf("%s without a buffer model: %v (%s); want no data", expr, v.Status, v)
		}
		if expr != "rebuffer_ratio < 1%" && !strings.Contains(v.Note, "only the native engine") {
			t.Errorf("%s without a buffer model: note %q; want it to name the native engine", expr, v.Note)
		}
	}
	if v := evalOne(t, playbackRun(false), "stalls? == 0"); v.Status != NoDataAllowed {
		t.Errorf("stalls? == 0 without a buffer model: %v; want no data allowed", v.Status)
	}
}
