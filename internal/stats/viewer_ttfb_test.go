package stats

import (
	"testing"
	"time"
)

// TestObserveTTFB: segment and init responses' times to first byte go to
// SegmentTTFB, merged over viewers and kept in history points; playlists'
// do not.
func TestObserveTTFB(t *testing.T) {
	agg := NewAggregator(Options{})
	v1, v2 := agg.AddViewer(1), agg.AddViewer(2)
	v1.ObserveTTFB(KindSegment, 10*time.Millisecond)
	v2.ObserveTTFB(KindInit, 30*time.Millisecond)
	v2.ObserveTTFB(KindManifest, time.Second)
	var s Snapshot
	agg.Snapshot(&s, false)
	if s.SegmentTTFB.Count != 2 || s.SegmentTTFB.Max != 30*time.Millisecond || s.SegmentTTFB.Min != 10*time.Millisecond {
		t.Errorf("SegmentTTFB count %d, min %v, max %v; want 2, 10ms, 30ms", s.SegmentTTFB.Count, s.SegmentTTFB.Min, s.SegmentTTFB.Max)
	}
	p := PointOf(&s)
	v1.ObserveTTFB(KindSegment, 20*time.Millisecond)
	agg.Snapshot(&s, false)
	later := PointOf(&s)
	// A window's extremes are its buckets' (within 1 %, see HistogramSnapshot.Sub).
	if d := later.Delta(&p); d.SegmentTTFB.Count != 1 || d.SegmentTTFB.Max < 20*time.Millisecond || d.SegmentTTFB.Max > 20200*time.Microsecond {
		t.Errorf("window's SegmentTTFB count %d, max %v; want the one 20ms value", d.SegmentTTFB.Count, d.SegmentTTFB.Max)
	}
}
