package stats

import (
	"slices"
	"testing"
	"time"
)

// runHistory feeds a History one snapshot per second for secs seconds of a
// fleet whose every viewer makes one segment request (latency i ms) per
// second and an HTTP 404 every 10 s.
func runHistory(t *testing.T, h *History, secs int) *Aggregator {
	t.Helper()
	clk := new(fakeClock)
	a := NewAggregator(Options{Now: clk.Now})
	vs := []*Viewer{a.AddViewer(1), a.AddViewer(2)}
	var s Snapshot
	for sec := 1; sec <= secs; sec++ {
		for _, v := range vs {
			v.AddRequest(KindSegment)
			v.ObserveLatency(KindSegment, time.Duration(sec%50+1)*time.Millisecond)
			if sec%10 == 0 {
				v.AddHTTPError(KindSegment, 404)
			}
		}
		clk.Set(time.Duration(sec)*time.Second + time.Duration(sec%3)*time.Millisecond) // jitter
		a.Snapshot(&s, false)
		h.Add(&s)
		h.Add(&s) // a second add in the same second is ignored
	}
	return a
}

func TestHistoryResolutionAndCap(t *testing.T) {
	t.Parallel()
	h := NewHistory(16)
	runHistory(t, h, 15)
	if h.Len() != 15 || h.Resolution() != time.Second {
		t.Fatalf("after 15 s: %d points at %v; want 15 at 1s", h.Len(), h.Resolution())
	}
	h2 := NewHistory(16)
	runHistory(t, h2, 200)
	pts := h2.Points()
	if len(pts) > 16 || len(pts) < 8 {
		t.Fatalf("after 200 s: %d points; want between 8 and 16", len(pts))
	}
	res := h2.Resolution()
	if res != 16*time.Second {
		t.Errorf("resolution %v after 200 s in 16 points; want 16s", res)
	}
	// Evenly spaced, oldest first, covering the run from its start.
	if pts[0].Elapsed > 2*time.Second {
		t.Errorf("first point at %v; want the start of the run kept", pts[0].Elapsed)
	}
	for i := 1; i < len(pts); i++ {
		if d := pts[i].Elapsed - pts[i-1].Elapsed; d < res*9/10 || d > res+res/10 {
			t.Errorf("points %d and %d are %v apart; want about %v", i-1, i, d, res)
		}
	}
	if last := pts[len(pts)-1].Elapsed; last < 200*time.Second-res {
		t.Errorf("last point at %v; want within %v of 200s", last, res)
	}
}

func TestHistoryMemoryCap(t *testing.T) {
	t.Parallel()
	h := NewHistory(0)
	if h.max != DefaultHistoryPoints {
		t.Fatalf("NewHistory(0) keeps %d points; want %d", h.max, DefaultHistoryPoints)
	}
	short, long := NewHistory(50), NewHistory(50)
	runHistory(t, short, 200)
	runHistory(t, long, 2000)
	if short.Len() > 50 || long.Len() > 50 {
		t.Errorf("%d and %d points; want at most 50", short.Len(), long.Len())
	}
	// Histograms of 1..50 ms span about 6 doublings: at most 6*128 buckets.
	limit := 50 * (400 + 2*8*6*128)
	if s, l := short.SizeBytes(), long.SizeBytes(); s > limit || l > limit || l > s+s/10 {
		t.Errorf("SizeBytes %d after 200 s and %d after 2000 s; want both at most %d, the same within 10%%", s, l, limit)
	}
}

func TestHistoryWindowDeltas(t *testing.T) {
	t.Parallel()
	h := NewHistory(40)
	runHistory(t, h, 100) // thinned once: 2 s resolution
	pts := h.Points()
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			d := pts[j].Delta(&pts[i])
			from := int(pts[i].Elapsed / time.Second)
			to := int(pts[j].Elapsed / time.Second)
			secs := uint64(to - from)
			if d.Counters.Requests[KindSegment] != 2*secs || d.SegmentLatency.Count != 2*secs {
				t.Fatalf("window %ds..%ds: %d requests, %d latencies; want %d", from, to,
					d.Counters.Requests[KindSegment], d.SegmentLatency.Count, 2*secs)
			}
			var want []time.Duration
			var errs uint64
			for sec := from + 1; sec <= to; sec++ {
				want = append(want, time.Duration(sec%50+1)*time.Millisecond, time.Duration(sec%50+1)*time.Millisecond)
				if sec%10 == 0 {
					errs += 2
				}
			}
			ws := snapshotOf(want)
			if d.SegmentLatency.Sum != ws.Sum || !slices.Equal(d.SegmentLatency.counts, ws.counts) || d.SegmentLatency.off != ws.off {
				t.Fatalf("window %ds..%ds: latency histogram differs from the window's values", from, to)
			}
			if got := d.Counters.HTTPErrors; got != errs {
				t.Fatalf("window %ds..%ds: %d errors; want %d", from, to, got, errs)
			}
			var st []StatusCount
			if errs > 0 {
				st = []StatusCount{{404, errs}}
			}
			if !slices.Equal(d.Status, st) {
				t.Fatalf("window %ds..%ds: status %v; want %v", from, to, d.Status, st)
			}
		}
	}
	// The points were not changed by Delta.
	again := h.Points()
	for i := range pts {
		if pts[i].SegmentLatency.Count != again[i].SegmentLatency.Count || pts[i].Counters != again[i].Counters {
			t.Fatalf("point %d changed", i)
		}
	}
	last, ok := h.Last()
	if !ok || last.Elapsed != pts[len(pts)-1].Elapsed {
		t.Errorf("Last() = %v, %v; want the last point", last.Elapsed, ok)
	}
	if _, ok := NewHistory(5).Last(); ok {
		t.Error("Last() on an empty History: want false")
	}
}

func TestHistoryOutOfOrder(t *testing.T) {
	t.Parallel()
	h := NewHistory(10)
	h.Add(&Snapshot{Elapsed: 5 * time.Second})
	h.Add(&Snapshot{Elapsed: 3 * time.Second})
	h.Add(&Snapshot{Elapsed: 5500 * time.Millisecond})
	if h.Len() != 1 {
		t.Errorf("%d points; want 1 (earlier and too-close snapshots ignored)", h.Len())
	}
}
