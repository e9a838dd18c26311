package stats

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct{ ns atomic.Int64 }

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (c *fakeClock) Now() time.Time               { return epoch.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) At(d time.Duration) time.Time { return epoch.Add(d) }
func (c *fakeClock) Set(d time.Duration)          { c.ns.Store(int64(d)) }

func TestConcurrentExactness(t *testing.T) {
	t.Parallel()
	const (
		viewers = 16
		rounds  = 3000
	)
	codes := []int{404, 503, 500, 403, 410, 502, 504, 429, 42, 0} // more than fit inline, and "other"
	a := NewAggregator(Options{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, 1)
	started := make(chan struct{})
	var snapshots int
	go func() { // reader: totals never go down
		var s Snapshot
		var prev Counters
		var prevLat uint64
		for ; ; snapshots++ {
			if snapshots == 1 {
				close(started)
			}
			select {
			case <-stop:
				errc <- nil
				return
			default:
			}
			a.Snapshot(&s, true)
			if s.TotalRequests() < prev.TotalRequests() || s.Bytes < prev.Bytes || s.HTTPErrors < prev.HTTPErrors ||
				s.SegmentLatency.Count < prevLat || len(s.Viewers) != s.Clients.Total {
				errc <- errorf("snapshot went backwards or rows mismatch: %+v after %+v", s.Counters, prev)
				return
			}
			prev, prevLat = s.Counters, s.SegmentLatency.Count
		}
	}()
	<-started
	for w := range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := a.AddViewer(w) // added while the reader snapshots
			v.Started(time.Now())
			for i := range rounds {
				v.AddRequest(Kind(i % int(NumKinds)))
				v.AddBytes(1000)
				v.AddLines(StreamStderr, 2, 1)
				v.AddLines(StreamProgress, 1, 0)
				if i%10 == 0 {
					v.AddHTTPError(KindSegment, codes[(i/10)%len(codes)])
					v.AddTimeout()
					v.AddReconnect()
				}
				v.ObserveLatency(KindSegment, time.Duration(i)*time.Microsecond)
				v.ObserveLatency(KindManifest, time.Millisecond)
			}
			if w%2 == 1 {
				a.RemoveViewer(v) // its totals stay
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d snapshots ran while viewers recorded", snapshots)
	var s Snapshot
	a.Snapshot(&s, true)
	n := uint64(viewers * rounds)
	errs := uint64(viewers * rounds / 10)
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"requests", s.TotalRequests(), n},
		{"segment requests", s.Requests[KindSegment], n / 4},
		{"bytes", s.Bytes, 1000 * n},
		{"stderr lines", s.StderrLines, 2 * n},
		{"progress lines", s.ProgressLines, n},
		{"dropped lines", s.DroppedLines(), n},
		{"http errors", s.HTTPErrors, errs},
		{"segment http errors", s.HTTPErrorsByKind[KindSegment], errs},
		{"timeouts", s.Timeouts, errs},
		{"reconnects", s.Reconnects, errs},
		{"segment latency count", s.SegmentLatency.Count, n},
		{"manifest latency count", s.ManifestLatency.Count, n},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d; want %d", c.name, c.got, c.want)
		}
	}
	var byCode uint64
	for i, sc := range s.Status {
		byCode += sc.Count
		if i > 0 && s.Status[i-1].Code >= sc.Code {
			t.Errorf("status codes not sorted: %v", s.Status)
		}
	}
	if byCode != errs || len(s.Status) != 9 { // 42 and 0 are both "other"
		t.Errorf("status: %v (sum %d); want 9 codes summing to %d", s.Status, byCode, errs)
	}
	if got, want := s.HTTPErrorsFor(0), 2*errs/uint64(len(codes)); got != want {
		t.Errorf("HTTPErrorsFor(0) = %d; want %d", got, want)
	}
	wantSum := time.Duration(viewers*rounds*(rounds-1)/2) * time.Microsecond
	if s.SegmentLatency.Sum != wantSum || s.SegmentLatency.Max != time.Duration(rounds-1)*time.Microsecond {
		t.Errorf("segment latency sum %v max %v; want %v %v", s.SegmentLatency.Sum, s.SegmentLatency.Max, wantSum, time.Duration(rounds-1)*time.Microsecond)
	}
	if s.Clients.Total != viewers || s.Clients.Active != viewers/2 || s.Clients.Ended != viewers/2 {
		t.Errorf("clients %+v; want %d total, %d active, %d ended", s.Clients, viewers, viewers/2, viewers/2)
	}
	var rowSum Counters
	for i := range s.Viewers {
		rowSum.Add(&s.Viewers[i].Counters)
	}
	if rowSum != s.Counters {
		t.Errorf("rows sum to %+v; want the totals %+v", rowSum, s.Counters)
	}
}

func TestViewerGauges(t *testing.T) {
	t.Parallel()
	clk := new(fakeClock)
	a := NewAggregator(Options{Now: clk.Now, StallAfter: 5 * time.Second})
	v := a.AddViewer(7)
	var row ViewerRow
	v.Summary(&row)
	if row.ID != 7 || row.Active || row.HasProgress || row.HasStartup || row.Stalled {
		t.Fatalf("new viewer: %+v; want pending, no progress, no startup", row)
	}

	v.Started(clk.At(time.Second))
	v.FirstSegment(clk.At(1800 * time.Millisecond))
	v.FirstSegment(clk.At(5 * time.Second)) // ignored
	// Progress: 10 s of wall time, out time advancing 9 s: drift 1 s.
	for i := 0; i <= 10; i++ {
		wall := 2*time.Second + time.Duration(i)*time.Second
		v.ObserveProgress(clk.At(wall), time.Duration(i)*900*time.Millisecond, 0.9)
	}
	clk.Set(12 * time.Second)
	v.Summary(&row)
	if !row.Active || row.Stalled || !row.HasStartup || row.Startup != 800*time.Millisecond {
		t.Errorf("row %+v; want active, not stalled, startup 800ms", row)
	}
	if math.Abs(row.Speed-0.9) > 1e-9 || row.ReportedSpeed != 0.9 {
		t.Errorf("speed %v reported %v; want 0.9 0.9", row.Speed, row.ReportedSpeed)
	}
	if row.Drift != time.Second || row.MaxDrift != time.Second || row.OutTime != 9*time.Second {
		t.Errorf("drift %v max %v out %v; want 1s 1s 9s", row.Drift, row.MaxDrift, row.OutTime)
	}

	// Out time stops: stalled once StallAfter has passed since it last advanced (at 12 s).
	v.ObserveProgress(clk.At(14*time.Second), 9*time.Second, 0)
	clk.Set(17 * time.Second)
	v.Summary(&row)
	if row.Stalled {
		t.Errorf("stalled after 5s without advance; want not yet (StallAfter 5s)")
	}
	clk.Set(17*time.Second + time.Millisecond)
	v.Summary(&row)
	if !row.Stalled || row.StalledFor != 5*time.Second+time.Millisecond {
		t.Errorf("stalled %v for %v; want stalled for 5.001s", row.Stalled, row.StalledFor)
	}
	var s Snapshot
	a.Snapshot(&s, false)
	// Drift at 14 s: 12 s of wall time, the last 0.9 s step credited, less
	// 9 s of out time.
	if s.Clients.Stalled != 1 || s.Clients.Active != 1 || s.DriftMax != 2100*time.Millisecond {
		t.Errorf("snapshot clients %+v drift max %v; want 1 stalled of 1 active, drift 2.1s", s.Clients, s.DriftMax)
	}
	if s.Startup.Count != 1 || s.Startup.Max != 800*time.Millisecond {
		t.Errorf("startup histogram count %d max %v; want 1 800ms", s.Startup.Count, s.Startup.Max)
	}

	// A restart re-bases drift; the max stays.
	v.AddRestart()
	v.Started(clk.At(20 * time.Second))
	v.ObserveProgress(clk.At(21*time.Second), 0, 1)
	v.ObserveProgress(clk.At(23*time.Second), 2*time.Second, 1)
	v.Summary(&row)
	if row.Drift != 0 || row.MaxDrift != 2100*time.Millisecond || row.Restarts != 1 {
		t.Errorf("after restart drift %v max %v restarts %d; want 0 2.1s 1", row.Drift, row.MaxDrift, row.Restarts)
	}
	if row.Startup != 800*time.Millisecond {
		t.Errorf("startup %v after restart; want still 800ms", row.Startup)
	}
	v.Ended(clk.At(30 * time.Second))
	a.Snapshot(&s, false)
	if s.Clients.Active != 0 || s.Clients.Ended != 1 || s.SpeedViewers != 0 || s.SpeedMin != 0 {
		t.Errorf("after Ended: clients %+v speed viewers %d min %v; want 1 ended, no speed", s.Clients, s.SpeedViewers, s.SpeedMin)
	}
}

func TestSnapshotSpeedAndClients(t *testing.T) {
	t.Parallel()
	clk := new(fakeClock)
	a := NewAggregator(Options{Now: clk.Now})
	speeds := []float64{1, 0.5, 1.5}
	for i, sp := range speeds {
		v := a.AddViewer(i)
		v.Started(clk.At(0))
		for w := range 9 * time.Second / time.Second {
			v.ObserveProgress(clk.At(w*time.Second), time.Duration(sp*float64(w*time.Second)), sp)
		}
	}
	a.AddViewer(9) // pending
	clk.Set(8 * time.Second)
	var s Snapshot
	a.Snapshot(&s, true)
	if s.SpeedViewers != 3 || math.Abs(s.SpeedMin-0.5) > 1e-9 || math.Abs(s.SpeedMean-1) > 1e-9 || s.DriftMax != 4*time.Second {
		t.Errorf("speed viewers %d min %v mean %v drift max %v; want 3 0.5 1 4s", s.SpeedViewers, s.SpeedMin, s.SpeedMean, s.DriftMax)
	}
	if got, want := s.SpeedSlow, 1; got != want {
		t.Errorf("SpeedSlow = %d; want %d (the viewer at 0.5, below SlowSpeed)", got, want)
	}
	if r := s.Viewers[2]; r.Drift != 0 {
		t.Errorf("viewer at speed 1.5: drift %v; want 0 (running ahead of the wall clock is no drift)", r.Drift)
	}
	if s.Clients != (Clients{Total: 4, Active: 3, Pending: 1}) {
		t.Errorf("clients %+v; want 4 total, 3 active, 1 pending", s.Clients)
	}
	if s.Elapsed != 8*time.Second || !s.Time.Equal(clk.At(8*time.Second)) {
		t.Errorf("elapsed %v time %v; want 8s after the start", s.Elapsed, s.Time)
	}
	if ids := []int{s.Viewers[0].ID, s.Viewers[1].ID, s.Viewers[2].ID, s.Viewers[3].ID}; !slices.Equal(ids, []int{0, 1, 2, 9}) {
		t.Errorf("row ids %v; want in the order added", ids)
	}
	// Without rows: rows emptied, totals the same.
	a.SnapshotParts(&s, 0)
	if len(s.Viewers) != 0 || s.SegmentLatency.Count != 0 || s.Clients.Total != 4 {
		t.Errorf("SnapshotParts(0): %d rows, histogram count %d, %d clients", len(s.Viewers), s.SegmentLatency.Count, s.Clients.Total)
	}
}

// TestDriftFromBestPosition: a live viewer that catches up three segments
// at start and then stalls 4 s drifts 4 s, not 4 s less the catch-up; once
// it plays on at speed 1 its drift stays.
func TestDriftFromBestPosition(t *testing.T) {
	t.Parallel()
	clk := new(fakeClock)
	a := NewAggregator(Options{Now: clk.Now})
	v := a.AddViewer(1)
	v.Started(clk.At(0))
	v.ObserveProgress(clk.At(0), 0, 0)
	v.ObserveProgress(clk.At(time.Second), 6*time.Second, 6)   // catch-up: 5 s ahead
	v.ObserveProgress(clk.At(3*time.Second), 8*time.Second, 1) // at the edge
	var row ViewerRow
	v.Summary(&row)
	if row.Drift != 0 || row.MaxDrift != 0 {
		t.Fatalf("after catch-up: drift %v max %v; want 0 0", row.Drift, row.MaxDrift)
	}
	v.ObserveProgress(clk.At(7*time.Second), 8*time.Second, 0)  // stalled 4 s
	v.ObserveProgress(clk.At(9*time.Second), 10*time.Second, 1) // plays on
	v.Summary(&row)
	if row.Drift != 4*time.Second || row.MaxDrift != 4*time.Second {
		t.Errorf("after a 4 s stall: drift %v max %v; want 4s 4s", row.Drift, row.MaxDrift)
	}
}

// TestSpeedNeedsAWindow: a viewer's speed comes from steps of out time
// at least 5 s apart, after the first 2 s of its run; until then (and
// again after a restart) it has none and is left out of SpeedViewers and
// SpeedMin. ffmpeg's first report says speed=0 (or N/A): it must not
// become the fleet's minimum.
func TestSpeedNeedsAWindow(t *testing.T) {
	t.Parallel()
	clk := new(fakeClock)
	a := NewAggregator(Options{Now: clk.Now})
	steady := a.AddViewer(1)
	steady.Started(clk.At(0))
	for w := range 9 * time.Second / time.Second {
		steady.ObserveProgress(clk.At(w*time.Second), w*time.Second, 1)
	}
	v := a.AddViewer(2)
	v.Started(clk.At(time.Second))
	check := func(when string, wantViewers int, wantMin float64, wantHas bool) {
		t.Helper()
		var s Snapshot
		a.Snapshot(&s, true)
		if s.SpeedViewers != wantViewers || math.Abs(s.SpeedMin-wantMin) > 1e-9 {
			t.Errorf("%s: speed viewers %d min %v; want %d %v", when, s.SpeedViewers, s.SpeedMin, wantViewers, wantMin)
		}
		if r := s.Viewers[1]; r.HasSpeed != wantHas || !wantHas && r.Speed != 0 {
			t.Errorf("%s: viewer 2 has speed %v (%v); want %v", when, r.HasSpeed, r.Speed, wantHas)
		}
	}
	check("before any report", 1, 1, false)
	v.ObserveProgress(clk.At(1100*time.Millisecond), 0, 0) // ffmpeg's first block: speed=0
	check("after one report", 1, 1, false)
	// Catch-up (3 s in the first second), then one 1 s step a second.
	v.ObserveProgress(clk.At(2100*time.Millisecond), 3*time.Second, 3)
	for i := range 4 {
		v.ObserveProgress(clk.At(time.Duration(3100+1000*i)*time.Millisecond), time.Duration(4+i)*time.Second, 1)
	}
	check("steps over 4 s after the warm-up", 1, 1, false)
	v.ObserveProgress(clk.At(8100*time.Millisecond), 9*time.Second, 1)
	check("steps over 5 s after the warm-up", 2, 1, true) // the catch-up is not in it
	// Between steps the last step's media is credited: no dip.
	v.ObserveProgress(clk.At(8900*time.Millisecond), 9*time.Second, 1)
	check("between steps", 2, 1, true)
	// Steps that stop count against it once the last one's media (2 s, at
	// 8.1 s) ran out: at 11.1 s, 4 s of out time since the step at 4.1 s
	// over the 5 s to 9.1 s.
	v.ObserveProgress(clk.At(11100*time.Millisecond), 9*time.Second, 0)
	check("stalled", 2, 0.8, true)
	v.Started(clk.At(12 * time.Second)) // restart
	check("after a restart", 1, 1, false)
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	a := NewAggregator(Options{})
	v := a.AddViewer(1)
	add := map[int]int{599: 1, 100: 2, 404: 3, 99: 1, 600: 1, -1: 1, 0: 1, 503: 2, 500: 1, 502: 1, 301: 1, 418: 4}
	for _, code := range []int{599, 100, 404, 99, 600, -1, 0, 503, 500, 502, 301, 418} {
		for range add[code] {
			v.AddHTTPError(KindManifest, code)
		}
	}
	want := []StatusCount{{0, 4}, {100, 2}, {301, 1}, {404, 3}, {418, 4}, {500, 1}, {502, 1}, {503, 2}, {599, 1}}
	var row ViewerRow
	v.Summary(&row)
	if !slices.Equal(row.Status, want) {
		t.Errorf("row status %v; want %v", row.Status, want)
	}
	var s Snapshot
	a.Snapshot(&s, false)
	if !slices.Equal(s.Status, want) || s.HTTPErrors != 19 || s.HTTPErrorsByKind[KindManifest] != 19 {
		t.Errorf("snapshot status %v, %d errors; want %v, 19", s.Status, s.HTTPErrors, want)
	}
	if s.HTTPErrorsFor(418) != 4 || s.HTTPErrorsFor(200) != 0 {
		t.Errorf("HTTPErrorsFor: 418 -> %d, 200 -> %d; want 4, 0", s.HTTPErrorsFor(418), s.HTTPErrorsFor(200))
	}
}

func TestBadKindsDoNotPanic(t *testing.T) {
	t.Parallel()
	a := NewAggregator(Options{})
	v := a.AddViewer(1)
	v.AddRequest(Kind(200))
	v.AddHTTPError(Kind(99), 404)
	v.ObserveLatency(Kind(77), time.Second)
	v.ObserveLatency(KindUnknown, time.Second)
	v.AddBytes(-5)
	v.AddExpiredSkips(-1)
	v.ObserveProgress(time.Now(), time.Second, math.NaN())
	a.RemoveViewer(nil)
	var s Snapshot
	a.Snapshot(&s, true)
	if s.Requests[KindUnknown] != 1 || s.HTTPErrorsByKind[KindUnknown] != 1 || s.Bytes != 0 || s.SegmentLatency.Count != 0 {
		t.Errorf("counters %+v", s.Counters)
	}
	if math.IsNaN(s.SpeedMean) || math.IsNaN(s.Viewers[0].ReportedSpeed) {
		t.Error("NaN speed leaked into the snapshot")
	}
	if r := HTTPErrorRateKind(&s.Counters, Kind(200)); r.NoData || r.Value != 1 {
		t.Errorf("HTTPErrorRateKind(bad kind) = %+v; want unknown's 1", r)
	}
}

func TestSnapshotNoAllocs(t *testing.T) {
	a := fleet(300, true) // more than one chunk of viewers
	var s Snapshot
	a.Snapshot(&s, true)
	if n := testing.AllocsPerRun(20, func() { a.Snapshot(&s, true) }); n != 0 {
		t.Errorf("Snapshot with rows allocated %v times per run; want 0", n)
	}
	if n := testing.AllocsPerRun(20, func() { a.SnapshotParts(&s, 0) }); n != 0 {
		t.Errorf("SnapshotParts allocated %v times per run; want 0", n)
	}
	v := a.AddViewer(1000)
	var row ViewerRow
	v.Summary(&row)
	if n := testing.AllocsPerRun(20, func() { v.Summary(&row) }); n != 0 {
		t.Errorf("Summary allocated %v times per run; want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		v.AddRequest(KindSegment)
		v.AddHTTPError(KindSegment, 404)
		v.ObserveLatency(KindSegment, time.Millisecond)
		v.ObserveProgress(time.Now(), time.Second, 1)
	}); n != 0 {
		t.Errorf("recording allocated %v times per run; want 0", n)
	}
	if a.Len() != 301 {
		t.Errorf("Len() = %d; want 301", a.Len())
	}
}

func TestZeroViewer(t *testing.T) {
	t.Parallel()
	var v Viewer
	now := time.Now()
	v.Started(now.Add(-time.Minute))
	v.FirstSegment(now.Add(-time.Minute + time.Second))
	v.AddRequest(KindSegment)
	v.AddHTTPError(KindSegment, 500)
	v.ObserveLatency(KindSegment, 30*time.Millisecond)
	v.ObserveProgress(now.Add(-30*time.Second), time.Second, 1)
	var row ViewerRow
	v.Summary(&row)
	if row.Requests[KindSegment] != 1 || row.HTTPErrors != 1 || row.Startup != time.Second || !row.Active {
		t.Errorf("zero viewer row %+v", row)
	}
	if !row.Stalled || row.StalledFor < 30*time.Second {
		t.Errorf("stalled %v for %v; want stalled for 30s (DefaultStallAfter 10s)", row.Stalled, row.StalledFor)
	}
}

func TestAddViewersWhileSnapshotting(t *testing.T) {
	t.Parallel()
	const adders, each = 4, 150 // more than two chunks of viewers
	a := NewAggregator(Options{})
	var wg sync.WaitGroup
	done := make(chan struct{})
	var snapshots atomic.Int64
	go func() {
		defer close(done)
		var s Snapshot
		for a.Len() < adders*each {
			a.Snapshot(&s, true)
			if len(s.Viewers) != s.Clients.Total || s.TotalRequests() != uint64(s.Clients.Total) {
				t.Errorf("snapshot: %d rows, %d clients, %d requests", len(s.Viewers), s.Clients.Total, s.TotalRequests())
				return
			}
			snapshots.Add(1)
		}
	}()
	for g := range adders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				v := a.AddViewer(g*each + i)
				v.AddRequest(KindManifest)
			}
		}()
	}
	wg.Wait()
	<-done
	var s Snapshot
	a.Snapshot(&s, true)
	ids := make([]int, 0, len(s.Viewers))
	for _, r := range s.Viewers {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id != i {
			t.Fatalf("ids %v...; want 0..%d each once", ids[:min(len(ids), 10)], adders*each-1)
		}
	}
	if len(ids) != adders*each || s.Requests[KindManifest] != adders*each {
		t.Errorf("%d viewers, %d requests; want %d", len(ids), s.Requests[KindManifest], adders*each)
	}
	t.Logf("%d snapshots ran while viewers were added", snapshots.Load())
}

func TestSnapshotClone(t *testing.T) {
	t.Parallel()
	a := fleet(3, true)
	var s Snapshot
	a.Snapshot(&s, true)
	keep := s.Clone()
	v := a.AddViewer(99)
	v.AddHTTPError(KindSegment, 404)
	v.ObserveLatency(KindSegment, time.Hour)
	a.Snapshot(&s, true)
	if keep.Clients.Total != 3 || len(keep.Viewers) != 3 || keep.HTTPErrorsFor(404) != 6 ||
		keep.SegmentLatency.Max == time.Hour || keep.Viewers[0].Status[0] != (StatusCount{404, 2}) {
		t.Errorf("clone changed with the next snapshot: %d clients, %d rows, %d 404s, max latency %v",
			keep.Clients.Total, len(keep.Viewers), keep.HTTPErrorsFor(404), keep.SegmentLatency.Max)
	}
	if s.HTTPErrorsFor(404) != 7 || s.SegmentLatency.Max != time.Hour {
		t.Errorf("new snapshot: %d 404s, max %v; want 7, 1h", s.HTTPErrorsFor(404), s.SegmentLatency.Max)
	}
}
