package stats

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Indexes of a Viewer's counters. Requests and HTTP errors by kind come
// first so that a Kind indexes them directly.
const (
	cReq         = 0                    // + Kind
	cErrKind     = cReq + int(NumKinds) // + Kind
	cBytes       = cErrKind + int(NumKinds)
	cReconnects  = cBytes + 1
	cTimeouts    = cReconnects + 1
	cConnRefused = cTimeouts + 1
	cRestarts    = cConnRefused + 1
	cLines       = cRestarts + 1 // + Stream
	cDropped     = cLines + 2    // + Stream
	cSegFail     = cDropped + 2
	cPlayFail    = cSegFail + 1
	cExpired     = cPlayFail + 1
	numCounters  = cExpired + 1
)

// Status code slots: 0 is "other", code c in 100..599 is slot c-99.
const (
	minCode     = 100
	maxCode     = 599
	numStatus   = maxCode - minCode + 2
	statusWords = (numStatus + 63) / 64
)

func statusSlot(code int) int {
	if code < minCode || code > maxCode {
		return 0
	}
	return code - minCode + 1
}

func slotCode(slot int) int {
	if slot == 0 {
		return 0
	}
	return slot + minCode - 1
}

// statusCounts counts HTTP errors by status code, with a bitmap of the
// non-zero slots so that readers visit only those.
type statusCounts struct {
	nonZero [statusWords]atomic.Uint64
	counts  [numStatus]atomic.Uint64
}

// Viewer is one viewer's stats. It is written by one goroutine (the viewer's
// parser; Started and Ended may come from its supervisor) and read by any
// number of goroutines at once, without locks. Each counter is exact and
// monotonic; a read concurrent with writes is not an atomic cut across
// counters. Get a Viewer from [Aggregator.AddViewer].
type Viewer struct {
	_ [cacheLine]byte // keeps the hot counters off the previous object's lines

	c [numCounters]atomic.Uint64

	status atomic.Pointer[statusCounts] // allocated on the first HTTP error

	// Gauges.
	startedAt   atomic.Int64  // unix ns of the first Started; 0 before
	startup     atomic.Int64  // first segment - first start, ns, plus 1; 0 until known
	state       atomic.Uint32 // statePending, stateActive, stateEnded
	removed     atomic.Bool
	gen         atomic.Uint32 // bumped by Started, so progress re-bases drift
	outTime     atomic.Int64  // ns
	speed       atomic.Uint64 // float64 bits, judged from out time over wall time
	repSpeed    atomic.Uint64 // float64 bits, as ffmpeg reported it
	hasProgress atomic.Bool
	drift       atomic.Int64 // ns
	maxDrift    atomic.Int64 // ns
	lastAdvance atomic.Int64 // unix ns when out time last advanced (or of the last Started)

	// Writer-only state of ObserveProgress.
	pgen              uint32
	baseWall          int64 // unix ns of the first progress since Started
	baseOut           int64
	anchorWall        int64 // start of the current speed window
	anchorOut         int64
	lastOut           int64
	id                int
	agg               *Aggregator
	segment, manifest Histogram

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
	v.c[cErrKind+int(clampKind(k))].Add(1)
	s := v.status.Load()
	if s == nil {
		s = new(statusCounts)
		if !v.status.CompareAndSwap(nil, s) {
			s = v.status.Load()
		}
	}
	i := statusSlot(code)
	if s.counts[i].Add(1) == 1 {
		s.nonZero[i>>6].Or(1 << uint(i&63))
	}
}

// AddReconnect counts one reconnect.
func (v *Viewer) AddReconnect() { v.c[cReconnects].Add(1) }

// AddTimeout counts one timeout.
func (v *Viewer) AddTimeout() { v.c[cTimeouts].Add(1) }

// AddConnRefused counts one refused connection.
func (v *Viewer) AddConnRefused() { v.c[cConnRefused].Add(1) }

// AddRestart counts one restart of the viewer's process.
func (v *Viewer) AddRestart() { v.c[cRestarts].Add(1) }

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
		v.c[cDropped+i].Add(dropped)
	}
}

// AddSegmentFailure counts one segment that failed to open.
func (v *Viewer) AddSegmentFailure() { v.c[cSegFail].Add(1) }

// AddPlaylistFailure counts one failed playlist (re)load.
func (v *Viewer) AddPlaylistFailure() { v.c[cPlayFail].Add(1) }

// AddExpiredSkips counts n segments skipped because they expired from the
// playlist; n <= 0 is ignored.
func (v *Viewer) AddExpiredSkips(n int) {
	if n > 0 {
		v.c[cExpired].Add(uint64(n))
	}
}

// ObserveLatency records the latency of one request: KindSegment and
// KindInit into segment_latency, KindManifest into manifest_latency; other
// kinds are ignored.
func (v *Viewer) ObserveLatency(k Kind, d time.Duration) {
	switch k {
	case KindSegment, KindInit:
		v.segment.Record(d)
	case KindManifest:
		v.manifest.Record(d)
	}
}

// Started marks the viewer's process as (re)started at time at: the viewer
// becomes active and its drift is measured afresh from its next progress.
// The first call also starts the startup clock.
func (v *Viewer) Started(at time.Time) {
	ns := at.UnixNano()
	v.startedAt.CompareAndSwap(0, ns)
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
	v.startup.CompareAndSwap(0, max(at.UnixNano()-s, 0)+1)
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
	w, o := wall.UnixNano(), int64(outTime)
	if g := v.gen.Load(); g != v.pgen || !v.hasProgress.Load() {
		v.pgen = g
		v.baseWall, v.baseOut = w, o
		v.anchorWall, v.anchorOut = w, o
		v.lastOut = o
		v.lastAdvance.Store(w)
	}
	if math.IsNaN(speed) || math.IsInf(speed, 0) || speed < 0 {
		speed = 0
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
	} else if !v.hasProgress.Load() {
		v.speed.Store(math.Float64bits(speed))
	}
	d := (w - v.baseWall) - (o - v.baseOut)
	v.drift.Store(d)
	if d > v.maxDrift.Load() {
		v.maxDrift.Store(d)
	}
	v.hasProgress.Store(true)
}

// loadCounters adds the viewer's counters to c.
func (v *Viewer) loadCounters(c *Counters) {
	for k := range NumKinds {
		c.Requests[k] += v.c[cReq+int(k)].Load()
		e := v.c[cErrKind+int(k)].Load()
		c.HTTPErrorsByKind[k] += e
		c.HTTPErrors += e
	}
	c.Bytes += v.c[cBytes].Load()
	c.Reconnects += v.c[cReconnects].Load()
	c.Timeouts += v.c[cTimeouts].Load()
	c.ConnRefused += v.c[cConnRefused].Load()
	c.Restarts += v.c[cRestarts].Load()
	c.ProgressLines += v.c[cLines].Load()
	c.StderrLines += v.c[cLines+1].Load()
	c.DroppedProgressLines += v.c[cDropped].Load()
	c.DroppedStderrLines += v.c[cDropped+1].Load()
	c.SegmentFailures += v.c[cSegFail].Load()
	c.PlaylistFailures += v.c[cPlayFail].Load()
	c.ExpiredSkips += v.c[cExpired].Load()
}

// appendStatus appends the viewer's non-zero status counts, by code.
func (v *Viewer) appendStatus(dst []StatusCount) []StatusCount {
	s := v.status.Load()
	if s == nil {
		return dst
	}
	// Slot 0 ("other", code 0) sorts first, as code 0.
	for w := range s.nonZero {
		for m := s.nonZero[w].Load(); m != 0; m &= m - 1 {
			i := w<<6 + bits.TrailingZeros64(m)
			dst = append(dst, StatusCount{Code: slotCode(i), Count: s.counts[i].Load()})
		}
	}
	return dst
}
