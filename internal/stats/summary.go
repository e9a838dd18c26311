package stats

import (
	"math"
	"time"
)

// ViewerRow is one viewer's summary, a plain value.
type ViewerRow struct {
	ID      int
	Active  bool // started, not ended, not removed
	Stalled bool // active, and out time has not advanced for longer than Options.StallAfter
	Removed bool // removed from the aggregator
	Counters
	Status []StatusCount // HTTP errors by code, sorted by code, only non-zero

	HasProgress   bool    // at least one -progress report; the fields below it (to MaxDrift) are 0 until then
	HasSpeed      bool    // a speed was measured in this run (see Viewer.ObserveProgress)
	Speed         float64 // out time advanced / wall time, step to step over 5 s or more (see Viewer.ObserveProgress); 0 until HasSpeed
	ReportedSpeed float64 // ffmpeg's speed= as reported
	OutTime       time.Duration
	Drift         time.Duration // playback time lost since the best position of the run (see Viewer.ObserveProgress)
	MaxDrift      time.Duration
	Startup       time.Duration // first Started to first segment; 0 until known
	HasStartup    bool
	StalledFor    time.Duration // how long out time has not advanced, when Stalled
}

// Summary stores the viewer's current values in dst, reusing dst.Status.
// It allocates only when dst.Status lacks capacity.
func (v *Viewer) Summary(dst *ViewerRow) {
	v.summary(dst, v.agg.nowRel())
}

func (v *Viewer) summary(dst *ViewerRow, now int64) {
	dst.ID = v.id
	v.counters(&dst.Counters)
	dst.Status = v.status.appendTo(dst.Status[:0])
	v.gauges(dst, now)
}

// gauges stores the state and gauge fields of dst.
func (v *Viewer) gauges(dst *ViewerRow, now int64) {
	st := v.state.Load()
	dst.Removed = st&flagRemoved != 0
	dst.Active = st&lifecycleMask == stateActive && !dst.Removed
	dst.Stalled, dst.StalledFor = false, 0
	if dst.Active {
		if idle := now - v.lastAdvance.Load(); idle > int64(v.agg.stallAfterOrDefault()) {
			dst.Stalled = true
			dst.StalledFor = time.Duration(idle)
		}
	}
	dst.HasProgress = st&flagProgress != 0
	dst.HasSpeed = st&flagSpeed != 0
	dst.Speed, dst.ReportedSpeed, dst.OutTime, dst.Drift, dst.MaxDrift = 0, 0, 0, 0, 0
	if dst.HasSpeed {
		dst.Speed = math.Float64frombits(v.speed.Load())
	}
	if dst.HasProgress {
		dst.ReportedSpeed = math.Float64frombits(v.repSpeed.Load())
		dst.OutTime = time.Duration(v.outTime.Load())
		dst.Drift = time.Duration(v.drift.Load())
		dst.MaxDrift = time.Duration(v.maxDrift.Load())
	}
	s := v.startup.Load()
	dst.HasStartup = s > 0
	dst.Startup = time.Duration(max(s-1, 0))
}
