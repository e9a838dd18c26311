package stats

import (
	"sync"
	"time"
	"unsafe"
)

// DefaultHistoryPoints is the number of points a History keeps when
// NewHistory is given 0: 600, ten minutes at 1 s resolution.
const DefaultHistoryPoints = 600

// Point is one cumulative sample of a fleet in a [History]: the values of a
// Snapshot at Elapsed, without per-viewer rows and without the startup
// histogram.
type Point struct {
	Elapsed  time.Duration
	Time     time.Time
	Clients  Clients
	Counters Counters
	Status   []StatusCount // HTTP errors by code, sorted by code, only non-zero

	SegmentLatency  HistogramSnapshot
	ManifestLatency HistogramSnapshot
	SegmentTTFB     HistogramSnapshot

	SpeedViewers int
	SpeedMin     float64
	SpeedMean    float64
	DriftMax     time.Duration

	Generator Generator // the generating machine over the second before the point
}

// PointOf returns the point of s. It shares no memory with s.
func PointOf(s *Snapshot) Point {
	p := Point{
		Elapsed:         s.Elapsed,
		Time:            s.Time,
		Clients:         s.Clients,
		Counters:        s.Counters,
		SegmentLatency:  s.SegmentLatency.Clone(),
		ManifestLatency: s.ManifestLatency.Clone(),
		SegmentTTFB:     s.SegmentTTFB.Clone(),
		SpeedViewers:    s.SpeedViewers,
		SpeedMin:        s.SpeedMin,
		SpeedMean:       s.SpeedMean,
		DriftMax:        s.DriftMax,
		Generator:       s.Generator,
	}
	if len(s.Status) > 0 {
		p.Status = append([]StatusCount(nil), s.Status...)
	}
	return p
}

// Delta returns the window from earlier to p: counters, status codes and
// histograms are p's minus earlier's (see [Counters.Sub] and
// [HistogramSnapshot.Sub]); Elapsed and Time are p's, and so are the gauges
// (Clients, speed, drift). The result shares no memory with p or earlier.
func (p *Point) Delta(earlier *Point) Point {
	d := *p
	d.Counters.Sub(&earlier.Counters)
	d.SegmentLatency = p.SegmentLatency.Clone()
	d.SegmentLatency.Sub(&earlier.SegmentLatency)
	d.ManifestLatency = p.ManifestLatency.Clone()
	d.ManifestLatency.Sub(&earlier.ManifestLatency)
	d.SegmentTTFB = p.SegmentTTFB.Clone()
	d.SegmentTTFB.Sub(&earlier.SegmentTTFB)
	d.Status = subStatus(nil, p.Status, earlier.Status)
	return d
}

// subStatus appends a - b (both sorted by code) to dst, keeping non-zero
// counts only.
func subStatus(dst, a, b []StatusCount) []StatusCount {
	j := 0
	for _, sc := range a {
		for j < len(b) && b[j].Code < sc.Code {
			j++
		}
		n := sc.Count
		if j < len(b) && b[j].Code == sc.Code {
			n = sub0(n, b[j].Count)
		}
		if n > 0 {
			dst = append(dst, StatusCount{Code: sc.Code, Count: n})
		}
	}
	return dst
}

// History is a bounded time series of cumulative points, at most one per
// Resolution (1 s at first). When it holds its maximum number of points it
// drops every other one and doubles its resolution, so it always spans the
// whole run evenly. Because points are cumulative, the delta between any
// two kept points ([Point.Delta]) stays exact.
//
// Memory: about 500 bytes per point, plus 16 bytes per distinct HTTP status
// code seen, plus 8 bytes per histogram bucket between the fastest and the
// slowest latency recorded (128 buckets per doubling: latencies from 1 ms to
// 1 s take about 1,300 buckets, 10 KiB, per histogram and point). So 600
// points with both histograms spanning 1 ms..1 s take about 12 MiB; the
// worst case (latencies from 0 to hours) is 76 KiB per point.
//
// A History is safe for concurrent use.
type History struct {
	mu     sync.Mutex
	max    int
	step   time.Duration
	points []Point
}

// NewHistory returns an empty History that keeps at most maxPoints points
// (0 or less: DefaultHistoryPoints; at least 2).
func NewHistory(maxPoints int) *History {
	if maxPoints <= 0 {
		maxPoints = DefaultHistoryPoints
	}
	maxPoints = max(maxPoints, 2)
	return &History{max: maxPoints, step: time.Second, points: make([]Point, 0, maxPoints)}
}

// Add appends the point of s unless it comes less than 90 % of Resolution
// after the last point kept, or earlier than it. It copies what it keeps.
func (h *History) Add(s *Snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.points); n > 0 {
		if s.Elapsed-h.points[n-1].Elapsed < h.step*9/10 {
			return
		}
		if n == h.max {
			h.thin()
			if s.Elapsed-h.points[len(h.points)-1].Elapsed < h.step*9/10 {
				return
			}
		}
	}
	h.points = append(h.points, PointOf(s))
}

// thin keeps the points at even indexes and doubles the resolution.
func (h *History) thin() {
	k := 0
	for i := 0; i < len(h.points); i += 2 {
		h.points[k] = h.points[i]
		k++
	}
	clear(h.points[k:])
	h.points = h.points[:k]
	h.step *= 2
}

// Points returns the points, oldest first. The slice is a copy, but the
// points share their Status and histogram buckets with the History: treat
// them as read-only (Clone a histogram before Sub or Merge; use Point.Delta
// for windows).
func (h *History) Points() []Point {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Point(nil), h.points...)
}

// Last returns the newest point, and false when there is none. It shares
// memory with the History like Points.
func (h *History) Last() (Point, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.points) == 0 {
		return Point{}, false
	}
	return h.points[len(h.points)-1], true
}

// Len returns the number of points held.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.points)
}

// Resolution returns the smallest spacing of the points: 1 s, doubled at
// each thinning.
func (h *History) Resolution() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.step
}

// SizeBytes returns the approximate memory the History holds, in bytes.
func (h *History) SizeBytes() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := cap(h.points) * int(unsafe.Sizeof(Point{}))
	for i := range h.points {
		p := &h.points[i]
		n += cap(p.Status)*int(unsafe.Sizeof(StatusCount{})) +
			8*(cap(p.SegmentLatency.counts)+cap(p.ManifestLatency.counts))
	}
	return n
}
