package assert_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"gotest.tools/v3/poll"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
	"github.com/hlsswarm/hlsswarm/verdict"
)

// liveRun plays a finished run back one history point per tick, like a
// running fleet seen once a second.
type liveRun struct {
	mu   sync.Mutex
	full *fakeRun
	n    int
}

func (l *liveRun) tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n = min(l.n+1, len(l.full.points))
}

func (l *liveRun) HistoryPoints() []stats.Point {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.full.points[:l.n]
}

func (l *liveRun) FinalSnapshot() *stats.Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == 0 {
		return nil
	}
	p := &l.full.points[l.n-1]
	return &stats.Snapshot{Elapsed: p.Elapsed, Clients: p.Clients, Counters: p.Counters, Status: p.Status,
		SegmentLatency: p.SegmentLatency, ManifestLatency: p.ManifestLatency,
		SpeedViewers: p.SpeedViewers, SpeedMin: p.SpeedMin, SpeedMean: p.SpeedMean, DriftMax: p.DriftMax}
}

func (l *liveRun) WarmUpPeriod() time.Duration { return 0 }

func (l *liveRun) Evaluate(exprs ...string) (assert.Verdicts, error) {
	return threshold.Evaluate(l, exprs...)
}

func (l *liveRun) Measure(query string) (verdict.Measurement, error) {
	return threshold.Measure(l, query)
}

func (l *liveRun) seen() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func TestEventuallyWaitsForThresholds(t *testing.T) {
	t.Parallel()
	live := &liveRun{full: newRun(0, repeat(30, healthy())...)}
	check := assert.Eventually(live, "segment_requests >= 1000", "min(clients_active) >= 10")
	poll.WaitOn(t, func(lt poll.LogT) poll.Result {
		live.tick()
		return check(lt)
	}, poll.WithDelay(time.Millisecond), poll.WithTimeout(10*time.Second))
	// 100 segment requests per point: the 10th point is the first to pass.
	if got, want := live.seen(), 10; got != want {
		t.Errorf("passed after %d points; want %d", got, want)
	}
}

func TestEventuallyResults(t *testing.T) {
	t.Parallel()
	live := &liveRun{full: baselineRun()}
	live.tick()
	res := assert.Eventually(live, "segment_requests >= 1000")(t)
	if res.Done() || !strings.Contains(res.Message(), "thresholds not met yet:\nthreshold") ||
		!strings.Contains(res.Message(), "segment_requests >= 1000   100") {
		t.Errorf("first poll: done %v message %q; want to continue with the table", res.Done(), res.Message())
	}
	res = assert.Eventually(baselineRun(), "segment_requests >> 1000")(t)
	if res.Error() == nil || !strings.Contains(res.Error().Error(), "invalid threshold at column 19") {
		t.Errorf("invalid expression: error %v; want a stop with the parse error", res.Error())
	}
	res = assert.Eventually(nil, "timeouts == 0")(t)
	if res.Error() == nil {
		t.Error("nil run: want an error")
	}
}
