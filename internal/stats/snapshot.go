package stats

import (
	"math"
	"math/bits"
	"slices"
	"time"
)

// Include selects the optional parts of a Snapshot.
type Include uint8

// The optional parts of a Snapshot.
const (
	IncludeHistograms Include = 1 << iota // SegmentLatency, ManifestLatency, SegmentTTFB and Startup
	IncludeViewers                        // one ViewerRow per viewer
)

// Clients counts viewers by state.
type Clients struct {
	Total   int // viewers ever added, removed ones included
	Active  int // started, not ended, not removed
	Stalled int // active and stalled (see Options.StallAfter)
	Ended   int // ended or removed
	Pending int // added but not yet started
}

// Snapshot is the whole fleet at one instant, a plain value. Counters and
// Status sum over all viewers ever added; gauges cover active viewers.
//
// Taking a snapshot into a Snapshot reuses its slices and histogram
// buckets; to keep one while reusing it, keep a [Snapshot.Clone].
type Snapshot struct {
	Time    time.Time
	Elapsed time.Duration // since the aggregator was made
	Clients Clients
	Counters
	Status []StatusCount // HTTP errors by code, sorted by code, only non-zero

	SegmentLatency  HistogramSnapshot // merged exactly over all viewers
	ManifestLatency HistogramSnapshot
	SegmentTTFB     HistogramSnapshot // time to first byte of segment and init responses (native engine)
	Startup         HistogramSnapshot // one value per viewer that got its first segment

	SpeedViewers int           // active viewers with a measured speed (see Viewer.ObserveProgress): those SpeedMin and SpeedMean cover
	SpeedMin     float64       // 0 when SpeedViewers is 0
	SpeedMean    float64       // 0 when SpeedViewers is 0
	DriftMax     time.Duration // largest current drift over active viewers with progress; 0 when none has any
	SpeedSlow    int           // of SpeedViewers, those whose speed is below SlowSpeed

	// Generator is the generating machine's health, read by the fleet
	// (package genhealth) rather than by the aggregator; zero otherwise.
	Generator Generator

	Viewers []ViewerRow // only when requested, in the order viewers were added
}

// Clone returns a copy of s that shares no memory with it.
func (s *Snapshot) Clone() Snapshot {
	c := *s
	c.Status = slices.Clone(s.Status)
	c.SegmentLatency = s.SegmentLatency.Clone()
	c.ManifestLatency = s.ManifestLatency.Clone()
	c.SegmentTTFB = s.SegmentTTFB.Clone()
	c.Startup = s.Startup.Clone()
	if s.Viewers != nil {
		c.Viewers = make([]ViewerRow, len(s.Viewers))
		for i := range s.Viewers {
			c.Viewers[i] = s.Viewers[i]
			c.Viewers[i].Status = slices.Clone(s.Viewers[i].Status)
		}
	}
	return c
}

// HTTPErrorsFor returns the number of HTTP errors with status code (0 for
// "other").
func (s *Snapshot) HTTPErrorsFor(code int) uint64 {
	for _, sc := range s.Status {
		if sc.Code == code {
			return sc.Count
		}
	}
	return 0
}

// Snapshot stores the fleet's current state in dst, histograms included,
// and one row per viewer when withViewers is true. It reuses dst's storage,
// so it does not allocate once dst has been through a snapshot of the same
// size.
func (a *Aggregator) Snapshot(dst *Snapshot, withViewers bool) {
	inc := IncludeHistograms
	if withViewers {
		inc |= IncludeViewers
	}
	a.SnapshotParts(dst, inc)
}

// SnapshotParts is Snapshot with the optional parts chosen by inc; the parts
// left out are empty in dst.
func (a *Aggregator) SnapshotParts(dst *Snapshot, inc Include) {
	t := a.nowFn()
	now := int64(t.Sub(a.start))
	n := int(a.n.Load())
	var dir []*viewerChunk
	if p := a.dir.Load(); p != nil {
		dir = *p
	}
	withRows := inc&IncludeViewers != 0
	hist := inc&IncludeHistograms != 0

	rows := dst.Viewers[:0]
	if withRows {
		rows = growRows(rows, n)
	}
	*dst = Snapshot{
		Time:            t,
		Elapsed:         time.Duration(now),
		Status:          dst.Status[:0],
		SegmentLatency:  dst.SegmentLatency,
		ManifestLatency: dst.ManifestLatency,
		SegmentTTFB:     dst.SegmentTTFB,
		Startup:         dst.Startup,
		Viewers:         rows,
	}
	dst.SegmentLatency.Reset()
	dst.ManifestLatency.Reset()
	dst.SegmentTTFB.Reset()
	dst.Startup.Reset()
	if hist {
		dst.SegmentLatency.expand()
		dst.ManifestLatency.expand()
		dst.SegmentTTFB.expand()
		dst.Startup.expand()
	}

	var (
		acc        [numCounters]uint64
		speedSum   float64
		slow       int
		speedMin   = math.Inf(1)
		driftMax   = time.Duration(math.MinInt64)
		progressed int // active viewers with progress
		stallAfter = int64(a.stallAfter)
		cl         Clients
		status     statusSums // by slot: cheaper than merging each viewer's codes into the sorted dst.Status
	)
	for i := 0; i < n; i += viewerChunkSize {
		chunk := dir[i/viewerChunkSize][:min(n-i, viewerChunkSize)]
		for ci := range chunk {
			v := &chunk[ci]
			for j := range numHot {
				acc[j] += v.hot[j].Load()
			}
			for m := v.rare.Load(); m != 0; m &= m - 1 {
				j := bits.TrailingZeros32(m)
				acc[numHot+j] += v.rc[j].Load()
			}
			v.status.sumInto(&status)
			cl.Total++
			switch state := v.state.Load(); {
			case state&flagRemoved != 0 || state&lifecycleMask == stateEnded:
				cl.Ended++
			case state&lifecycleMask == stateActive:
				cl.Active++
				if now-v.lastAdvance.Load() > stallAfter {
					cl.Stalled++
				}
				if state&flagProgress != 0 {
					progressed++
					driftMax = max(driftMax, time.Duration(v.drift.Load()))
				}
				if state&flagSpeed != 0 {
					sp := math.Float64frombits(v.speed.Load())
					speedSum += sp
					speedMin = min(speedMin, sp)
					dst.SpeedViewers++
					if sp < SlowSpeed {
						slow++
					}
				}
			default:
				cl.Pending++
			}
			if hist {
				if s := v.startup.Load(); s > 0 {
					dst.Startup.add(time.Duration(s - 1))
				}
			}
			if withRows {
				v.summary(&rows[i+ci], now)
			}
		}
	}
	countersFrom(&dst.Counters, &acc)
	dst.Status = status.appendTo(dst.Status)
	dst.Clients = cl
	if dst.SpeedViewers > 0 {
		dst.SpeedMin = speedMin
		dst.SpeedMean = speedSum / float64(dst.SpeedViewers)
		dst.SpeedSlow = slow
	}
	if progressed > 0 {
		dst.DriftMax = driftMax
	}
	if hist {
		a.latency.segment.mergeInto(&dst.SegmentLatency)
		a.latency.manifest.mergeInto(&dst.ManifestLatency)
		a.latency.ttfb.mergeInto(&dst.SegmentTTFB)
		dst.SegmentLatency.trim()
		dst.ManifestLatency.trim()
		dst.SegmentTTFB.trim()
		dst.Startup.trim()
	}
}

// growRows returns rows resliced to n, keeping the Status storage of the
// rows it had.
func growRows(rows []ViewerRow, n int) []ViewerRow {
	if cap(rows) >= n {
		return rows[:n]
	}
	nr := make([]ViewerRow, n, n+n/4)
	copy(nr, rows[:cap(rows)])
	return nr
}
