package stats

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultStallAfter is the default of [Options.StallAfter].
const DefaultStallAfter = 10 * time.Second

// Options configure an Aggregator. The zero value gives the defaults.
type Options struct {
	// StallAfter is how long an active viewer's out time may stand still
	// (or, before its first progress report, how long after Started) before
	// the viewer counts as stalled. Default DefaultStallAfter (10 s).
	StallAfter time.Duration
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Aggregator collects the stats of a fleet of viewers. Viewers are added
// and removed while snapshots run; Snapshot reads every viewer in one pass
// without locks, maps or (once dst is sized) allocations. All methods are
// safe for concurrent use.
type Aggregator struct {
	start      time.Time
	nowFn      func() time.Time
	stallAfter time.Duration

	mu sync.Mutex // serializes AddViewer

	// Viewers live in fixed-size chunks that are never moved: a reader loads
	// n, then the directory, and reads viewers 0..n-1 without locks.
	n   atomic.Int64
	dir atomic.Pointer[[]*viewerChunk]
}

const viewerChunkSize = 256

type viewerChunk [viewerChunkSize]*Viewer

// NewAggregator returns an empty Aggregator whose clock (Snapshot.Elapsed)
// starts now.
func NewAggregator(opts Options) *Aggregator {
	a := &Aggregator{nowFn: opts.Now, stallAfter: opts.StallAfter}
	if a.nowFn == nil {
		a.nowFn = time.Now
	}
	if a.stallAfter <= 0 {
		a.stallAfter = DefaultStallAfter
	}
	a.start = a.nowFn()
	return a
}

func (a *Aggregator) now() time.Time {
	if a == nil {
		return time.Now()
	}
	return a.nowFn()
}

func (a *Aggregator) stallAfterOrDefault() time.Duration {
	if a == nil {
		return DefaultStallAfter
	}
	return a.stallAfter
}

// AddViewer registers a new viewer with the given id and returns it. Ids
// are labels for reports and are not checked for uniqueness. AddViewer is
// safe while snapshots run.
func (a *Aggregator) AddViewer(id int) *Viewer {
	v := newViewer(id, a)
	a.mu.Lock()
	n := int(a.n.Load())
	var dir []*viewerChunk
	if p := a.dir.Load(); p != nil {
		dir = *p
	}
	if n/viewerChunkSize == len(dir) {
		nd := make([]*viewerChunk, len(dir)+1)
		copy(nd, dir)
		nd[len(dir)] = new(viewerChunk)
		dir = nd
		a.dir.Store(&nd)
	}
	dir[n/viewerChunkSize][n%viewerChunkSize] = v
	a.n.Store(int64(n + 1))
	a.mu.Unlock()
	return v
}

// RemoveViewer marks v as removed: it no longer counts as active, and its
// totals stay in later snapshots (its row too, with Removed set). Its memory
// is kept as long as the Aggregator.
func (a *Aggregator) RemoveViewer(v *Viewer) {
	if v != nil {
		v.removed.Store(true)
	}
}

// Len returns the number of viewers added.
func (a *Aggregator) Len() int { return int(a.n.Load()) }

// Include selects the optional parts of a Snapshot.
type Include uint8

// The optional parts of a Snapshot.
const (
	IncludeHistograms Include = 1 << iota // SegmentLatency, ManifestLatency and Startup
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
type Snapshot struct {
	Time    time.Time
	Elapsed time.Duration // since the aggregator was made
	Clients Clients
	Counters
	Status []StatusCount // HTTP errors by code, sorted by code, only non-zero

	SegmentLatency  HistogramSnapshot // merged exactly over all viewers
	ManifestLatency HistogramSnapshot
	Startup         HistogramSnapshot // one value per viewer that got its first segment

	SpeedViewers int           // active viewers with progress: those SpeedMin and SpeedMean cover
	SpeedMin     float64       // 0 when SpeedViewers is 0
	SpeedMean    float64       // 0 when SpeedViewers is 0
	DriftMax     time.Duration // largest current drift over active viewers with progress

	Viewers []ViewerRow // only when requested, in the order viewers were added
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
	now := t.UnixNano()
	n := int(a.n.Load())
	var dir []*viewerChunk
	if p := a.dir.Load(); p != nil {
		dir = *p
	}

	rows := dst.Viewers[:0]
	if inc&IncludeViewers != 0 {
		rows = growRows(rows, n)
	}
	*dst = Snapshot{
		Time:            t,
		Elapsed:         t.Sub(a.start),
		Status:          dst.Status[:0],
		SegmentLatency:  dst.SegmentLatency,
		ManifestLatency: dst.ManifestLatency,
		Startup:         dst.Startup,
		Viewers:         rows,
	}
	hist := inc&IncludeHistograms != 0
	dst.SegmentLatency.Reset()
	dst.ManifestLatency.Reset()
	dst.Startup.Reset()
	if hist {
		dst.SegmentLatency.expand()
		dst.ManifestLatency.expand()
		dst.Startup.expand()
	}

	var (
		statusMask [statusWords]uint64
		statusAcc  [numStatus]uint64
		speedSum   float64
		row        ViewerRow
	)
	dst.SpeedMin = math.Inf(1)
	for i := 0; i < n; i++ {
		v := dir[i/viewerChunkSize][i%viewerChunkSize]
		r := &row
		if inc&IncludeViewers != 0 {
			r = &rows[i]
			status := r.Status[:0]
			*r = ViewerRow{ID: v.id, Status: v.appendStatus(status)}
			v.loadCounters(&r.Counters)
			dst.Counters.Add(&r.Counters)
		} else {
			row = ViewerRow{}
			v.loadCounters(&dst.Counters)
		}
		if s := v.status.Load(); s != nil {
			for w := range s.nonZero {
				m := s.nonZero[w].Load()
				statusMask[w] |= m
				for ; m != 0; m &= m - 1 {
					j := w<<6 + bits.TrailingZeros64(m)
					statusAcc[j] += s.counts[j].Load()
				}
			}
		}
		v.gauges(r, now)
		dst.Clients.Total++
		switch {
		case r.Active:
			dst.Clients.Active++
			if r.Stalled {
				dst.Clients.Stalled++
			}
			if r.HasProgress {
				dst.SpeedViewers++
				speedSum += r.Speed
				dst.SpeedMin = min(dst.SpeedMin, r.Speed)
				dst.DriftMax = max(dst.DriftMax, r.Drift)
			}
		case r.Removed || v.state.Load() == stateEnded:
			dst.Clients.Ended++
		default:
			dst.Clients.Pending++
		}
		if hist {
			v.segment.mergeInto(&dst.SegmentLatency)
			v.manifest.mergeInto(&dst.ManifestLatency)
			if r.HasStartup {
				dst.Startup.add(r.Startup)
			}
		}
	}
	if dst.SpeedViewers > 0 {
		dst.SpeedMean = speedSum / float64(dst.SpeedViewers)
	} else {
		dst.SpeedMin = 0
	}
	for w, m := range statusMask {
		for ; m != 0; m &= m - 1 {
			j := w<<6 + bits.TrailingZeros64(m)
			dst.Status = append(dst.Status, StatusCount{Code: slotCode(j), Count: statusAcc[j]})
		}
	}
	if hist {
		dst.SegmentLatency.trim()
		dst.ManifestLatency.trim()
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
