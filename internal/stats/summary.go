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

	HasProgress   bool    // at least one -progress report since the first Started
	Speed         float64 // out time advanced / wall time, over about 2 s
	ReportedSpeed float64 // ffmpeg's speed= as reported
	OutTime       time.Duration
	Drift         time.Duration // wall time minus out time advanced, since the last Started
	MaxDrift      time.Duration
	Startup       time.Duration // first Started to first segment; 0 until known
	HasStartup    bool
	StalledFor    time.Duration // how long out time has not advanced, when Stalled
}

// Summary stores the viewer's current values in dst, reusing dst.Status.
// It allocates only when dst.Status lacks capacity.
func (v *Viewer) Summary(dst *ViewerRow) {
	v.summary(dst, v.agg.now().UnixNano())
}

func (v *Viewer) summary(dst *ViewerRow, now int64) {
	status := dst.Status[:0]
	*dst = ViewerRow{ID: v.id, Status: v.appendStatus(status)}
	v.loadCounters(&dst.Counters)
	v.gauges(dst, now)
}

// gauges fills the state and gauge fields of dst.
func (v *Viewer) gauges(dst *ViewerRow, now int64) {
	dst.Removed = v.removed.Load()
	dst.Active = v.state.Load() == stateActive && !dst.Removed
	if dst.Active {
		if idle := now - v.lastAdvance.Load(); idle > int64(v.agg.stallAfterOrDefault()) {
			dst.Stalled = true
			dst.StalledFor = time.Duration(idle)
		}
	}
	if v.hasProgress.Load() {
		dst.HasProgress = true
		dst.Speed = math.Float64frombits(v.speed.Load())
		dst.ReportedSpeed = math.Float64frombits(v.repSpeed.Load())
		dst.OutTime = time.Duration(v.outTime.Load())
		dst.Drift = time.Duration(v.drift.Load())
		dst.MaxDrift = time.Duration(v.maxDrift.Load())
	}
	if s := v.startup.Load(); s > 0 {
		dst.Startup = time.Duration(s - 1)
		dst.HasStartup = true
	}
}
