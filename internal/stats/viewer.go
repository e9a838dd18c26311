package stats

import (
	"math"
	"sync/atomic"
	"time"
)

// Indexes of a Viewer's counters. The hot ones (non-zero in every viewer)
// come first and are always read; the rare ones are read only when their
// bit in Viewer.rare is set, which their first increment does.
const (
	cReq   = 0 // + Kind
	cBytes = cReq + int(NumKinds)
	cLines = cBytes + 1 // + Stream
	numHot = cLines + 2

	cErrKind     = numHot // + Kind
	cReconnects  = cErrKind + int(NumKinds)
	cTimeouts    = cReconnects + 1
	cConnRefused = cTimeouts + 1
	cRestarts    = cConnRefused + 1
	cDropped     = cRestarts + 1 // + Stream
	cSegFail     = cDropped + 2
	cPlayFail    = cSegFail + 1
	cExpired     = cPlayFail + 1
	numCounters  = cExpired + 1
)

// Viewer is one viewer's stats. It is written by one goroutine (the viewer's
// parser; Started and Ended may come from its supervisor) and read by any
// number of goroutines at once, without locks. Each counter is exact and
// monotonic; a read concurrent with writes is not an atomic cut across
// counters. Get a Viewer from [Aggregator.AddViewer]. A zero Viewer also
// works on its own (in a parser's tests, say): its times are then taken as
// wall-clock times and its stall timeout is DefaultStallAfter.
type Viewer struct {
	_ [cacheLine]byte // keeps the hot counters off the previous object's lines

	// What Snapshot reads comes first, contiguous: counters, the gauges it
	// aggregates, HTTP errors by code. Times are nanoseconds since the
	// aggregator's start (Aggregator.rel).
	c           [numCounters]atomic.Uint64
	rare        atomic.Uint32 // bit i-numHot: counter i is non-zero
	state       atomic.Uint32 // statePending, stateActive, stateEnded
	removed     atomic.Bool
	hasProgress atomic.Bool
	lastAdvance atomic.Int64  // when out time last advanced (or of the last Started)
	speed       atomic.Uint64 // float64 bits, judged from out time over wall time
	drift       atomic.Int64  // ns
	startup     atomic.Int64  // first segment - first start, ns, plus 1; 0 until known
	status      statusTable

	startedAt atomic.Int64  // first Started, plus 1; 0 before
	gen       atomic.Uint32 // bumped by Started, so progress re-bases drift
	outTime   atomic.Int64  // ns
	repSpeed  atomic.Uint64 // float64 bits, as ffmpeg reported it
	maxDrift  atomic.Int64  // ns

	// Writer-only state of ObserveProgress.
	pgen       uint32
	baseWall   int64 // unix ns of the first progress since Started
	baseOut    int64
	anchorWall int64 // start of the current speed window
	anchorOut  int64
	lastOut    int64
	id         int
	agg        *Aggregator
	hist       atomic.Pointer[viewerHistograms] // allocated on the first latency

	_ [cacheLine]byte
}

// cacheLine is the padding that keeps two viewers' hot fields apart (two
// 64-byte lines, for adjacent-line prefetch).
const cacheLine = 128

// Viewer states.
const (
	statePending uint32 = iota
	stateActive
	stateEnded
)

// speedWindow is the wall time over which Speed is judged.
const speedWindow = 2 * time.Second

func newViewer(id int, a *Aggregator) *Viewer {
	return &Viewer{id: id, agg: a}
}

// ID returns the id the viewer was added with.
func (v *Viewer) ID() int { return v.id }

// AddRequest counts one request of kind k.
func (v *Viewer) AddRequest(k Kind) { v.c[cReq+int(clampKind(k))].Add(1) }

// AddBytes counts n bytes received; n <= 0 is ignored.
func (v *Viewer) AddBytes(n int64) {
	if n > 0 {
		v.c[cBytes].Add(uint64(n))
	}
}

// AddHTTPError counts one HTTP error with status code on a request of kind
// k. A code outside 100..599 is counted as "other" (code 0).
func (v *Viewer) AddHTTPError(k Kind, code int) {
	v.addRare(cErrKind+int(clampKind(k)), 1)
	v.status.add(statusSlot(code))
}

// addRare adds n > 0 to rare counter i, marking it non-zero the first time.
func (v *Viewer) addRare(i int, n uint64) {
	if v.c[i].Add(n) == n {
		v.rare.Or(1 << uint(i-numHot))
	}
}

// AddReconnect counts one reconnect.
func (v *Viewer) AddReconnect() { v.addRare(cReconnects, 1) }

// AddTimeout counts one timeout.
func (v *Viewer) AddTimeout() { v.addRare(cTimeouts, 1) }

// AddConnRefused counts one refused connection.
func (v *Viewer) AddConnRefused() { v.addRare(cConnRefused, 1) }

// AddRestart counts one restart of the viewer's process.
func (v *Viewer) AddRestart() { v.addRare(cRestarts, 1) }

// AddLines counts lines taken off pipe s: read counts every line taken,
// dropped those of them that were not handled in time.
func (v *Viewer) AddLines(s Stream, read, dropped uint64) {
	i := 0
	if s != StreamProgress {
		i = 1
	}
	if read != 0 {
		v.c[cLines+i].Add(read)
	}
	if dropped != 0 {
		v.addRare(cDropped+i, dropped)
	}
}

// AddSegmentFailure counts one segment that failed to open.
func (v *Viewer) AddSegmentFailure() { v.addRare(cSegFail, 1) }

// AddPlaylistFailure counts one failed playlist (re)load.
func (v *Viewer) AddPlaylistFailure() { v.addRare(cPlayFail, 1) }

// AddExpiredSkips counts n segments skipped because they expired from the
// playlist; n <= 0 is ignored.
func (v *Viewer) AddExpiredSkips(n int) {
	if n > 0 {
		v.addRare(cExpired, uint64(n))
	}
}

// ObserveLatency records the latency of one request: KindSegment and
// KindInit into segment_latency, KindManifest into manifest_latency; other
// kinds are ignored.
func (v *Viewer) ObserveLatency(k Kind, d time.Duration) {
	var h *Histogram
	switch k {
	case KindSegment, KindInit:
		h = &v.histograms().segment
	case KindManifest:
		h = &v.histograms().manifest
	default:
		return
	}
	h.Record(d)
}

// viewerHistograms are a viewer's latency histograms, allocated on first
// use so that adding a viewer stays cheap.
type viewerHistograms struct {
	segment, manifest Histogram
}

func (v *Viewer) histograms() *viewerHistograms {
	if h := v.hist.Load(); h != nil {
		return h
	}
	h := new(viewerHistograms)
	if v.hist.CompareAndSwap(nil, h) {
		return h
	}
	return v.hist.Load()
}

// Started marks the viewer's process as (re)started at time at: the viewer
// becomes active and its drift is measured afresh from its next progress.
// The first call also starts the startup clock.
func (v *Viewer) Started(at time.Time) {
	ns := v.agg.rel(at)
	v.startedAt.CompareAndSwap(0, ns+1)
	v.lastAdvance.Store(ns)
	v.gen.Add(1)
	v.state.Store(stateActive)
}

// FirstSegment records the time of the viewer's first segment request. The
// first call after Started fixes the startup time (first Started to at);
// later calls do nothing.
func (v *Viewer) FirstSegment(at time.Time) {
	s := v.startedAt.Load()
	if s == 0 || v.startup.Load() != 0 {
		return
	}
	v.startup.CompareAndSwap(0, max(v.agg.rel(at)-(s-1), 0)+1)
}

// Ended marks the viewer as no longer active.
func (v *Viewer) Ended(at time.Time) {
	_ = at
	v.state.Store(stateEnded)
}

// ObserveProgress takes one -progress report: the wall time it was read,
// ffmpeg's out_time and its reported speed. It updates the out time, the
// speed judged from out time over wall time (over about 2 s), drift (wall
// time since the first report after Started minus out time advanced since
// then) and its maximum, and the time out time last advanced (for stalls).
// Call it from one goroutine only.
func (v *Viewer) ObserveProgress(wall time.Time, outTime time.Duration, speed float64) {
	w, o := v.agg.rel(wall), int64(outTime)
	if math.IsNaN(speed) || math.IsInf(speed, 0) || speed < 0 {
		speed = 0
	}
	if g := v.gen.Load(); g != v.pgen || !v.hasProgress.Load() {
		// First report since Started: measure from here.
		v.pgen = g
		v.baseWall, v.baseOut = w, o
		v.anchorWall, v.anchorOut = w, o
		v.lastOut = o
		v.lastAdvance.Store(w)
		v.speed.Store(math.Float64bits(speed))
	}
	v.repSpeed.Store(math.Float64bits(speed))
	v.outTime.Store(o)
	if o > v.lastOut {
		v.lastOut = o
		v.lastAdvance.Store(w)
	}
	if dw := w - v.anchorWall; dw >= int64(speedWindow/2) {
		v.speed.Store(math.Float64bits(max(float64(o-v.anchorOut), 0) / float64(dw)))
		if dw >= int64(speedWindow) {
			v.anchorWall, v.anchorOut = w, o
		}
	}
	d := (w - v.baseWall) - (o - v.baseOut)
	v.drift.Store(d)
	if d > v.maxDrift.Load() {
		v.maxDrift.Store(d)
	}
	v.hasProgress.Store(true)
}

// counters stores the viewer's counters in c.
func (v *Viewer) counters(c *Counters) {
	var e uint64
	for k := range NumKinds {
		c.Requests[k] = v.c[cReq+int(k)].Load()
		c.HTTPErrorsByKind[k] = v.c[cErrKind+int(k)].Load()
		e += c.HTTPErrorsByKind[k]
	}
	c.HTTPErrors = e
	c.Bytes = v.c[cBytes].Load()
	c.Reconnects = v.c[cReconnects].Load()
	c.Timeouts = v.c[cTimeouts].Load()
	c.ConnRefused = v.c[cConnRefused].Load()
	c.Restarts = v.c[cRestarts].Load()
	c.ProgressLines = v.c[cLines].Load()
	c.StderrLines = v.c[cLines+1].Load()
	c.DroppedProgressLines = v.c[cDropped].Load()
	c.DroppedStderrLines = v.c[cDropped+1].Load()
	c.SegmentFailures = v.c[cSegFail].Load()
	c.PlaylistFailures = v.c[cPlayFail].Load()
	c.ExpiredSkips = v.c[cExpired].Load()
}

// countersFrom converts a sum of viewer counter arrays to Counters.
func countersFrom(c *Counters, a *[numCounters]uint64) {
	var e uint64
	for k := range NumKinds {
		c.Requests[k] = a[cReq+int(k)]
		c.HTTPErrorsByKind[k] = a[cErrKind+int(k)]
		e += a[cErrKind+int(k)]
	}
	c.HTTPErrors = e
	c.Bytes = a[cBytes]
	c.Reconnects = a[cReconnects]
	c.Timeouts = a[cTimeouts]
	c.ConnRefused = a[cConnRefused]
	c.Restarts = a[cRestarts]
	c.ProgressLines = a[cLines]
	c.StderrLines = a[cLines+1]
	c.DroppedProgressLines = a[cDropped]
	c.DroppedStderrLines = a[cDropped+1]
	c.SegmentFailures = a[cSegFail]
	c.PlaylistFailures = a[cPlayFail]
	c.ExpiredSkips = a[cExpired]
}
