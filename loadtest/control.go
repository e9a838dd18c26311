package loadtest

import (
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// historyEvery is the cadence of history snapshots; historyStep the least
// time between two (History keeps points at least 0.9 s apart).
//
// pollInterval is how often the poller reads the viewers' output unasked.
// The history snapshot Syncs it every second anyway, so it is longer than
// that: a round costs about the same for one second of lines as for a
// tenth (the kernel's work is per message), but each round also wakes the
// process, so the fewer rounds the less the harness costs
// (BenchmarkFleet200 measures it). Lines keep the kernel's write time, so
// latencies do not depend on it.
const (
	historyEvery = time.Second
	historyStep  = 950 * time.Millisecond
	pollInterval = 2 * time.Second
)

// control runs the clock: history every second, live thresholds, progress
// lines, and the end of the run.
func (f *Fleet) control() {
	defer f.ctlWG.Done()
	end := time.NewTimer(time.Until(startBase(f.cfg, f.start).Add(f.cfg.Ramp + f.cfg.Duration)))
	defer end.Stop()
	// One wake-up a second, on a schedule: a point that comes late moves
	// the next one only as far as History's spacing needs (a ticker four
	// times a second, for the same alignment, woke the process four times).
	sched := time.Now().Add(historyEvery)
	tick := time.NewTimer(historyEvery)
	defer tick.Stop()
	var progress <-chan time.Time
	if f.cfg.ProgressInterval > 0 {
		pt := time.NewTicker(f.cfg.ProgressInterval)
		defer pt.Stop()
		progress = pt.C
	}
	lp := newProgressLog(f)
	var snap stats.Snapshot
	var verdicts threshold.Verdicts
loop:
	for {
		select {
		case <-f.stopReq:
			break loop
		case <-f.ctx.Done():
			break loop
		case <-end.C:
			f.mu.Lock()
			f.onSchedule = true
			f.mu.Unlock()
			break loop
		case <-tick.C:
			sched = sched.Add(historyEvery)
			if early := time.Now().Add(historyStep); sched.Before(early) {
				sched = early
			}
			tick.Reset(time.Until(sched))
			f.syncWithin(syncBound)
			f.agg.Snapshot(&snap, false)
			f.gen.Sample(time.Now(), &snap)
			n := f.history.Len()
			f.history.Add(&snap)
			if f.history.Len() != n && f.checkThresholds(&verdicts) {
				break loop
			}
		case <-progress:
			lp.log()
		}
	}
	f.shutdown()
}

// checkThresholds evaluates the live thresholds and records the first
// breach; it reports whether the fleet must stop.
func (f *Fleet) checkThresholds(buf *threshold.Verdicts) bool {
	if f.limits == nil || time.Since(f.start) < f.cfg.ThresholdDelay {
		return false
	}
	*buf = f.limits.AppendVerdicts((*buf)[:0], fleetSource{f})
	v, ok := buf.Breached()
	if !ok {
		return false
	}
	f.mu.Lock()
	f.aborted = &Abort{Threshold: v.Expr, At: v.At, Message: v.String()}
	f.mu.Unlock()
	return true
}
