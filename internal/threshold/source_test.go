package threshold

import (
	"slices"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// fakeSource is a Source over synthetic stats values.
type fakeSource struct {
	final  *stats.Snapshot
	points []stats.Point
	warm   time.Duration
}

func (f *fakeSource) FinalSnapshot() *stats.Snapshot { return f.final }
func (f *fakeSource) HistoryPoints() []stats.Point   { return f.points }
func (f *fakeSource) WarmUpPeriod() time.Duration    { return f.warm }

// run builds a synthetic run second by second: a test changes the
// cumulative snapshot and records latencies, then tick closes the second
// and keeps a history point.
type run struct {
	snap              stats.Snapshot
	seg, man, startup stats.Histogram
	points            []stats.Point
}

// second is what happens in one second of a synthetic run.
type second struct {
	segments, manifests int           // requests
	segLatency          time.Duration // recorded for every segment request
	manLatency          time.Duration // recorded for every manifest request when > 0
	errors              map[int]int   // HTTP errors on segments by code
	timeouts            int
	lines               int // progress lines read
	active, stalled     int
	speedViewers        int
	speedMin, speedMean float64
	drift               time.Duration
	gen                 stats.Generator // the generating machine's reading
}

// steady is a healthy second: 10 viewers, 100 segment and 10 manifest
// requests at 20 ms and 5 ms, real-time speed.
func steady() second {
	return second{segments: 100, manifests: 10, segLatency: 20 * time.Millisecond, manLatency: 5 * time.Millisecond,
		lines: 120, active: 10, speedViewers: 10, speedMin: 1, speedMean: 1, drift: 200 * time.Millisecond}
}

func (r *run) tick(s second) {
	c := &r.snap.Counters
	c.Requests[stats.KindSegment] += uint64(s.segments)
	c.Requests[stats.KindManifest] += uint64(s.manifests)
	for range s.segments {
		r.seg.Record(s.segLatency)
	}
	if s.manLatency > 0 {
		for range s.manifests {
			r.man.Record(s.manLatency)
		}
	}
	for code, n := range s.errors {
		c.HTTPErrors += uint64(n)
		c.HTTPErrorsByKind[stats.KindSegment] += uint64(n)
		r.addStatus(code, uint64(n))
	}
	c.Timeouts += uint64(s.timeouts)
	c.ProgressLines += uint64(s.lines)
	r.snap.Elapsed += time.Second
	r.snap.Clients = stats.Clients{Total: s.active, Active: s.active, Stalled: s.stalled}
	r.snap.SpeedViewers, r.snap.SpeedMin, r.snap.SpeedMean, r.snap.DriftMax = s.speedViewers, s.speedMin, s.speedMean, s.drift
	r.snap.Generator = s.gen
	r.seg.Snapshot(&r.snap.SegmentLatency)
	r.man.Snapshot(&r.snap.ManifestLatency)
	r.startup.Snapshot(&r.snap.Startup)
	r.points = append(r.points, stats.PointOf(&r.snap))
}

func (r *run) ticks(n int, s second) {
	for range n {
		r.tick(s)
	}
}

func (r *run) addStatus(code int, n uint64) {
	i, found := slices.BinarySearchFunc(r.snap.Status, code, func(sc stats.StatusCount, c int) int { return sc.Code - c })
	if found {
		r.snap.Status[i].Count += n
		return
	}
	r.snap.Status = slices.Insert(r.snap.Status, i, stats.StatusCount{Code: code, Count: n})
}

// source returns the run as a Source whose final snapshot is taken half a
// second after the last point, when every viewer has ended.
func (r *run) source(warm time.Duration) *fakeSource {
	final := r.snap
	final.Elapsed += 500 * time.Millisecond
	final.Status = slices.Clone(r.snap.Status)
	final.SegmentLatency = r.snap.SegmentLatency.Clone()
	final.ManifestLatency = r.snap.ManifestLatency.Clone()
	final.Startup = r.snap.Startup.Clone()
	final.Clients.Active, final.Clients.Stalled, final.SpeedViewers, final.SpeedMin, final.SpeedMean = 0, 0, 0, 0, 0
	return &fakeSource{final: &final, points: r.points, warm: warm}
}
