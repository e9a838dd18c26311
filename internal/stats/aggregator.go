package stats

import (
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
	customNow  bool
	stallAfter time.Duration

	mu sync.Mutex // serializes AddViewer

	// Viewers live in fixed-size chunks that are never moved: a reader loads
	// n, then the directory, and reads viewers 0..n-1 without locks.
	n   atomic.Int64
	dir atomic.Pointer[[]*viewerChunk]

	// latency holds every viewer's latencies: histograms take concurrent
	// writers, so the fleet's distribution is recorded, not merged, and a
	// snapshot reads two histograms whatever the fleet's size, where
	// merging one per viewer every second would cost in proportion to the
	// fleet. Viewers never leave the
	// aggregator (RemoveViewer only marks them), so this is the exact sum
	// of what per-viewer histograms would hold.
	latency latencyHistograms
}

// latencyHistograms are the segment_latency, manifest_latency and
// segment_ttfb distributions.
type latencyHistograms struct {
	segment, manifest, ttfb Histogram
}

// Viewers are allocated 128 at a time, in one chunk: adding one is cheap,
// a snapshot reads memory in order, and each Viewer is 64-byte aligned (a
// chunk is larger than 32 KiB, so page-aligned, and a Viewer's size is a
// multiple of 64).
const viewerChunkSize = 128

type viewerChunk [viewerChunkSize]Viewer

// NewAggregator returns an empty Aggregator whose clock (Snapshot.Elapsed)
// starts now.
func NewAggregator(opts Options) *Aggregator {
	a := &Aggregator{nowFn: opts.Now, customNow: opts.Now != nil, stallAfter: opts.StallAfter}
	if a.nowFn == nil {
		a.nowFn = time.Now
	}
	if a.stallAfter <= 0 {
		a.stallAfter = DefaultStallAfter
	}
	a.start = a.nowFn()
	return a
}

// rel returns t as nanoseconds since the aggregator's start (monotonic when
// both carry a monotonic clock reading), or as Unix nanoseconds for a Viewer
// made without an Aggregator.
func (a *Aggregator) rel(t time.Time) int64 {
	if a == nil {
		return t.UnixNano()
	}
	return int64(t.Sub(a.start))
}

// nowRel returns the current time in the units of rel. The default clock
// reads only the monotonic clock: half the cost of time.Now.
func (a *Aggregator) nowRel() int64 {
	switch {
	case a == nil:
		return time.Now().UnixNano()
	case a.customNow:
		return int64(a.nowFn().Sub(a.start))
	}
	return int64(time.Since(a.start))
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
	v := &dir[n/viewerChunkSize][n%viewerChunkSize]
	v.id, v.agg = id, a
	a.n.Store(int64(n + 1))
	a.mu.Unlock()
	return v
}

// RemoveViewer marks v as removed: it no longer counts as active, and its
// totals stay in later snapshots (its row too, with Removed set). Its memory
// is kept as long as the Aggregator.
func (a *Aggregator) RemoveViewer(v *Viewer) {
	if v != nil {
		v.state.Or(flagRemoved)
	}
}

// Len returns the number of viewers added.
func (a *Aggregator) Len() int { return int(a.n.Load()) }
