package threshold

import (
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// statsSource is a Source over a real stats.Aggregator and stats.History,
// as loadtest's Fleet presents them.
type statsSource struct {
	agg  *stats.Aggregator
	hist *stats.History
	warm time.Duration
}

func (s *statsSource) FinalSnapshot() *stats.Snapshot {
	snap := new(stats.Snapshot)
	s.agg.Snapshot(snap, false)
	return snap
}
func (s *statsSource) HistoryPoints() []stats.Point { return s.hist.Points() }
func (s *statsSource) WarmUpPeriod() time.Duration  { return s.warm }

// fakeClock is a settable clock for the aggregator.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestEvaluateOnStatsAggregator drives a real Aggregator and History for
// 40 s of 5 viewers: viewer 0 stalls from 20 s to 26 s, viewer 1 gets 503s
// from 30 s to 32 s. The thresholds see what the stats package records.
func TestEvaluateOnStatsAggregator(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	agg := stats.NewAggregator(stats.Options{StallAfter: 3 * time.Second, Now: clock.Now})
	hist := stats.NewHistory(0)
	start := clock.Now()
	viewers := make([]*stats.Viewer, 5)
	out := make([]time.Duration, 5)
	for i := range viewers {
		viewers[i] = agg.AddViewer(i)
		viewers[i].Started(start)
	}
	var snap stats.Snapshot
	for sec := 1; sec <= 40; sec++ {
		for step := range 4 { // progress every 250 ms
			clock.advance(250 * time.Millisecond)
			now := clock.Now()
			for i, v := range viewers {
				if i != 0 || sec <= 20 || sec > 26 {
					out[i] += 250 * time.Millisecond
				}
				v.ObserveProgress(now, out[i], 1)
				v.AddLines(stats.StreamProgress, 12, 0)
				if step == 0 {
					v.AddRequest(stats.KindManifest)
					v.ObserveLatency(stats.KindManifest, 4*time.Millisecond)
					v.AddRequest(stats.KindSegment)
					v.ObserveLatency(stats.KindSegment, time.Duration(10+i)*time.Millisecond)
					v.FirstSegment(now)
					if i == 1 && sec > 30 && sec <= 32 {
						v.AddHTTPError(stats.KindSegment, 503)
					}
				}
			}
		}
		agg.Snapshot(&snap, false)
		hist.Add(&snap)
	}
	src := &statsSource{agg: agg, hist: hist, warm: 5 * time.Second}
	runChecks(t, src, []check{
		// 2 errors in 350 requests after the warm-up; 2 in 100 in 10 s windows.
		{expr: "http_error_rate < 1%", status: Pass, observed: "0.571%", at: -1},
		{expr: "http_error_rate < 1% over 10s", status: Fail, observed: "2%", at: 31 * time.Second}, // 1 in 100 is not < 1%
		{expr: "http_errors{code=503} == 0", status: Fail, observed: "2", at: 31 * time.Second},
		{expr: "http_errors{code=404} == 0", status: Pass, at: -1},
		{expr: "http_error_rate{kind=manifest} == 0", status: Pass, at: -1},
		{expr: "p95(segment_latency) < 20ms", status: Pass, at: -1},
		{expr: "max(segment_latency) <= 14.1ms", status: Pass, at: -1},
		{expr: "p99(manifest_latency) < 5ms over 5s", status: Pass, at: -1},
		{expr: "max(startup_time) < 1s", status: Pass, observed: "250ms", at: -1},
		{expr: "min(clients_active) >= 5", status: Pass, observed: "5", at: -1},
		{expr: "max(clients_stalled) == 0", status: Fail, observed: "1", at: -1},
		{expr: "max(clients_stalled) == 0 after 30s", status: Pass, at: -1},
		// Speed is read step to step over 5 s (see stats.Viewer.ObserveProgress):
		// the 6 s stall reads 0.4 s of out time over 5 s, and is out of the
		// window 5 s after it ended.
		{expr: "min(speed) >= 0.9", status: Fail, observed: "0.08x", at: -1},
		{expr: "min(speed) >= 0.9 after 32s", status: Pass, at: -1},
		// Drift counts once the last 250 ms step's media ran out.
		{expr: "max(drift) < 1s", status: Fail, observed: "6s", at: 22 * time.Second},
		{expr: "timeouts == 0", status: Pass, observed: "0", at: -1},
		{expr: "dropped_line_rate == 0", status: Pass, at: -1},
	})
	// The stall starts at 20 s and counts after StallAfter (3 s).
	v := evalOne(t, src, "max(clients_stalled) == 0")
	if v.At < 23*time.Second || v.At > 25*time.Second {
		t.Errorf("stall detected at %v; want 23s..25s", v.At)
	}
	v = evalOne(t, src, "min(speed) >= 0.9")
	if v.At < 21*time.Second || v.At > 23*time.Second {
		t.Errorf("speed dip detected at %v; want 21s..23s", v.At)
	}
}
