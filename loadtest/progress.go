package loadtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// progressLog writes the live progress line. Rates cover the interval
// since the previous line; the p95 covers that interval too.
type progressLog struct {
	f        *Fleet
	snap     stats.Snapshot
	prev     stats.Counters
	prevSeg  stats.HistogramSnapshot
	prevTime time.Time
}

func newProgressLog(f *Fleet) *progressLog {
	return &progressLog{f: f, prevTime: f.start}
}

func (p *progressLog) log() {
	f := p.f
	f.syncWithin(syncBound)
	now := time.Now()
	f.agg.SnapshotParts(&p.snap, stats.IncludeHistograms)
	f.mu.Lock()
	running, target := len(f.viewers), f.target
	f.mu.Unlock()
	p.f.t.Logf("%s", p.line(now, running, target))
	p.prev = p.snap.Counters
	p.prevSeg.CopyFrom(&p.snap.SegmentLatency)
	p.prevTime = now
}

// line formats one progress line, e.g.
//
//	hlsswarm 10s/20.5s viewers 50/50 req/s manifest 24.8 segment 25.1 init 0.0 errors 0 timeouts 0 p95 segment 3.1ms stalled 0 dropped lines 0
func (p *progressLog) line(now time.Time, running, target int) string {
	f := p.f
	s := &p.snap
	delta := s.Counters
	delta.Sub(&p.prev)
	secs := now.Sub(p.prevTime).Seconds()
	rate := func(k stats.Kind) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(delta.Requests[k]) / secs
	}
	window := s.SegmentLatency.Clone()
	window.Sub(&p.prevSeg)
	total := f.cfg.Ramp + f.cfg.Duration
	var b strings.Builder
	fmt.Fprintf(&b, "hlsswarm %s/%s viewers %d/%d (active %d) req/s manifest %.1f segment %.1f init %.1f",
		now.Sub(f.start).Round(100*time.Millisecond), total, running, target, s.Clients.Active,
		rate(stats.KindManifest), rate(stats.KindSegment), rate(stats.KindInit))
	fmt.Fprintf(&b, " errors %d timeouts %d p95 segment %s stalled %d dropped lines %d",
		s.HTTPErrors, s.Timeouts, fmtDur(window.Quantile(0.95)), s.Clients.Stalled, s.DroppedLines())
	if n := f.syncs.late.Load(); n > 0 {
		// The readers could not keep up with the control loop: the
		// machine running the fleet is overloaded, and the counts above
		// lag what ffmpeg printed.
		fmt.Fprintf(&b, " readers late %dx (syncs over %s)", n, syncBound)
	}
	return b.String()
}
