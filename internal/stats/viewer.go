package stats

import (
	"math"
	"sync/atomic"
	"time"
	"unsafe"
)

// Indexes of a Viewer's counters. The hot ones (non-zero in every viewer)
// are always read; the rare ones only when their bit in Viewer.rare is set,
// which their first increment does. Rare counters are ordered by how often
// they are non-zero, so that snapshots touch as few cache lines as may be.
const (
	cReq   = 0 // + Kind
	cBytes = cReq + int(NumKinds)
	cLines = cBytes + 1 // + Stream
	numHot = cLines + 2

	cErrKind         = numHot // + Kind
	cReconnects      = cErrKind + int(NumKinds)
	cTimeouts        = cReconnects + 1
	cDroppedStderr   = cTimeouts + 1
	cDroppedProgress = cDroppedStderr + 1
	cConnRefused     = cDroppedProgress + 1
	cRestarts        = cConnRefused + 1
	cSegFail         = cRestarts + 1
	cPlayFail        = cSegFail + 1
	cExpired         = cPlayFail + 1
	cSegLatencies    = cExpired + 1
	cPlaybackTime    = cSegLatencies + 1 // ns
	cStalls          = cPlaybackTime + 1
	cStallTime       = cStalls + 1 // ns
	cSwitches        = cStallTime + 1
	numCounters      = cSwitches + 1
	numRare          = numCounters - numHot
)

// Viewer is one viewer's stats. It is written by one goroutine (the viewer's
// parser; Started and Ended may come from its supervisor) and read by any
// number of goroutines at once, without locks. Each counter is exact and
// monotonic; a read concurrent with writes is not an atomic cut across
// counters. Get a Viewer from [Aggregator.AddViewer]. A zero Viewer also
// works on its own (in a parser's tests, say): its times are then taken as
// wall-clock times and its stall timeout is DefaultStallAfter.
type Viewer struct {
	viewerFields
	// Pads the Viewer to a multiple of 64 bytes with at least cacheLine
	// bytes after the fields, so that the writer-only fields of one viewer
	// and the hot counters of the next one in its chunk share no line.
	_ [viewerSize - unsafe.Sizeof(viewerFields{})]byte
}

// viewerSize is the size of a Viewer.
const viewerSize = (unsafe.Sizeof(viewerFields{}) + cacheLine + 63) &^ 63

// viewerFields are the fields of a Viewer, without its padding.
type viewerFields struct {
	// What Snapshot reads comes first, laid out by cache line (viewers live
	// in 64-byte aligned chunks): the hot counters and the state; the gauges
	// it aggregates and the first status codes; the rare counters. Times
	// are nanoseconds since the aggregator's start (Aggregator.rel).
	hot         [numHot]atomic.Uint64
	rare        atomic.Uint32 // bit i: rc[i] is non-zero
	state       atomic.Uint32 // lifecycle (statePending, stateActive, stateEnded) | flagRemoved | flagProgress | flagSpeed
	lastAdvance atomic.Int64  // when out time last advanced (or of the last Started)
	speed       atomic.Uint64 // float64 bits, judged from out time over wall time
	drift       atomic.Int64  // ns
	startup     atomic.Int64  // first segment - first start, ns, plus 1; 0 until known
	status      statusTable
	rc          [numRare]atomic.Uint64 // counter i at rc[i-numHot]

	startedAt atomic.Int64  // first Started, plus 1; 0 before
	gen       atomic.Uint32 // bumped by Started, so progress re-bases drift
	outTime   atomic.Int64  // ns
	repSpeed  atomic.Uint64 // float64 bits, as ffmpeg reported it
	maxDrift  atomic.Int64  // ns

	// Writer-only state of ObserveProgress.
	pgen     uint32
	baseWall int64 // first progress since Started
	baseOut  int64
	minLag   int64 // smallest lag (credited wall minus out time since base) so far: the viewer's best position
	lastOut  int64
	lastWall int64 // when out time last advanced in this run
	lastStep int64 // by how much it advanced then
	edges    edgeRing
	id       int
	agg      *Aggregator
}

// cacheLine is the padding that keeps two viewers' hot fields apart (two
// 64-byte lines, for adjacent-line prefetch).
const cacheLine = 128

// Viewer states: a lifecycle in the low bits, and flags.
const (
	statePending uint32 = iota
	stateActive
	stateEnded

	lifecycleMask uint32 = 3
	flagRemoved   uint32 = 4
	flagProgress  uint32 = 8  // at least one progress report
	flagSpeed     uint32 = 16 // a speed measured over two reports of this run
)

// setLifecycle sets the lifecycle bits of the state, keeping the flags.
func (v *Viewer) setLifecycle(l uint32) {
	for {
		old := v.state.Load()
		if v.state.CompareAndSwap(old, old&^lifecycleMask|l) {
			return
		}
	}
}

// ID returns the id the viewer was added with.
func (v *Viewer) ID() int { return v.id }

// AddRequest counts one request of kind k.
func (v *Viewer) AddRequest(k Kind) { v.hot[cReq+int(clampKind(k))].Add(1) }

// AddBytes counts n bytes received; n <= 0 is ignored.
func (v *Viewer) AddBytes(n int64) {
	if n > 0 {
		v.hot[cBytes].Add(uint64(n))
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
	if v.rc[i-numHot].Add(n) == n {
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
	i, d := 0, cDroppedProgress
	if s != StreamProgress {
		i, d = 1, cDroppedStderr
	}
	if read != 0 {
		v.hot[cLines+i].Add(read)
	}
	if dropped != 0 {
		v.addRare(d, dropped)
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
// kinds, and a Viewer outside an Aggregator, record nothing. The
// histograms are the fleet's (see Aggregator), shared by its viewers.
func (v *Viewer) ObserveLatency(k Kind, d time.Duration) {
	if v.agg == nil {
		return
	}
	switch k {
	case KindSegment, KindInit:
		v.agg.latency.segment.Record(d)
		v.addRare(cSegLatencies, 1)
	case KindManifest:
		v.agg.latency.manifest.Record(d)
	}
}

// ObserveTTFB records the time to first byte of one segment or init
// request (KindSegment, KindInit) into segment_ttfb; other kinds record
// nothing. Only engines that see a response's first byte call it (the
// native one: ffmpeg's log does not tell it).
func (v *Viewer) ObserveTTFB(k Kind, d time.Duration) {
	if v.agg == nil || (k != KindSegment && k != KindInit) {
		return
	}
	v.agg.latency.ttfb.Record(d)
}

// Started marks the viewer's process as (re)started at time at: the viewer
// becomes active and its drift is measured afresh from its next progress.
// The first call also starts the startup clock.
func (v *Viewer) Started(at time.Time) {
	ns := v.agg.rel(at)
	v.startedAt.CompareAndSwap(0, ns+1)
	v.lastAdvance.Store(ns)
	v.gen.Add(1)
	v.state.And(^flagSpeed) // a new run has no speed until measured
	v.setLifecycle(stateActive)
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
	v.setLifecycle(stateEnded)
}

// ObserveProgress takes one -progress report: the wall time it was read,
// ffmpeg's out_time and its reported speed. It updates the out time, the
// time out time last advanced (for stalls), the speed and the drift, both
// read at the steps of out time (see playback.go): speed is out time
// advanced over wall time since a step at least 5 s (and two of the
// largest steps) before the last one, the wall time after the last step's
// media ran out counting too and one late step forgiven; drift is the playback time lost since the
// viewer's best position (credited wall time since the first report after
// Started minus out time advanced since then, less the smallest such lag
// seen; 0 while the viewer keeps up), with its maximum.
//
// A run has no speed (ViewerRow.HasSpeed false; not in
// Snapshot.SpeedViewers) until out time has advanced over such a window
// after the first 2 s of the run: reports closer together say nothing of
// how fast it plays, ffmpeg's own first speed= is 0 or N/A, and a live
// viewer's start is a catch-up. Call it from one goroutine only.
func (v *Viewer) ObserveProgress(wall time.Time, outTime time.Duration, speed float64) {
	w, o := v.agg.rel(wall), int64(outTime)
	if math.IsNaN(speed) || math.IsInf(speed, 0) || speed < 0 {
		speed = 0
	}
	st := v.state.Load()
	if g := v.gen.Load(); g != v.pgen || st&flagProgress == 0 {
		// First report since Started: measure from here. The previous
		// run's speed, if any, is no speed of this one.
		v.pgen = g
		v.baseWall, v.baseOut = w, o
		v.minLag = 0
		v.lastOut, v.lastWall, v.lastStep = o, w, 0
		v.edges.reset()
		v.lastAdvance.Store(w)
		if st&flagSpeed != 0 {
			st = v.state.And(^flagSpeed) &^ flagSpeed
		}
		v.speed.Store(0)
	}
	v.repSpeed.Store(math.Float64bits(speed))
	v.outTime.Store(o)
	if o > v.lastOut {
		v.lastStep = o - v.lastOut
		v.lastOut, v.lastWall = o, w
		v.lastAdvance.Store(w)
		if w-v.baseWall >= int64(speedWarmUp) {
			v.edges.add(w, o, v.lastStep)
		}
	}
	end := playbackTime(w, v.lastWall, v.lastStep)
	if sp, ok := v.edges.speed(end, v.lastOut); ok {
		v.speed.Store(math.Float64bits(sp))
		if st&flagSpeed == 0 {
			st = v.state.Or(flagSpeed) | flagSpeed
		}
	}
	// Drift is the playback time lost since the viewer's best position:
	// its lag now minus its smallest lag so far. A live viewer starts
	// behind the edge and catches up (its lag falls below zero), a VOD
	// viewer without -re runs ahead for ever: neither is drift; media time
	// that stops advancing while wall time goes on is.
	lag := (end - v.baseWall) - (o - v.baseOut)
	if lag < v.minLag {
		v.minLag = lag
	}
	d := lag - v.minLag
	v.drift.Store(d)
	if d > v.maxDrift.Load() {
		v.maxDrift.Store(d)
	}
	if st&flagProgress == 0 {
		v.state.Or(flagProgress)
	}
}

// counters stores the viewer's counters in c.
func (v *Viewer) counters(c *Counters) {
	for k := range NumKinds {
		c.Requests[k] = v.hot[cReq+int(k)].Load()
	}
	c.Bytes = v.hot[cBytes].Load()
	c.ProgressLines = v.hot[cLines].Load()
	c.StderrLines = v.hot[cLines+1].Load()
	if v.rare.Load() == 0 {
		c.HTTPErrorsByKind = [NumKinds]uint64{}
		c.HTTPErrors, c.Reconnects, c.Timeouts, c.ConnRefused, c.Restarts = 0, 0, 0, 0, 0
		c.DroppedProgressLines, c.DroppedStderrLines = 0, 0
		c.SegmentFailures, c.PlaylistFailures, c.ExpiredSkips, c.SegmentLatencies = 0, 0, 0, 0
		c.PlaybackTime, c.Stalls, c.StallTime, c.RenditionSwitches = 0, 0, 0, 0
		return
	}
	r := func(i int) uint64 { return v.rc[i-numHot].Load() }
	var e uint64
	for k := range NumKinds {
		c.HTTPErrorsByKind[k] = r(cErrKind + int(k))
		e += c.HTTPErrorsByKind[k]
	}
	c.HTTPErrors = e
	c.Reconnects = r(cReconnects)
	c.Timeouts = r(cTimeouts)
	c.ConnRefused = r(cConnRefused)
	c.Restarts = r(cRestarts)
	c.DroppedProgressLines = r(cDroppedProgress)
	c.DroppedStderrLines = r(cDroppedStderr)
	c.SegmentFailures = r(cSegFail)
	c.PlaylistFailures = r(cPlayFail)
	c.ExpiredSkips = r(cExpired)
	c.SegmentLatencies = r(cSegLatencies)
	c.PlaybackTime = r(cPlaybackTime)
	c.Stalls = r(cStalls)
	c.StallTime = r(cStallTime)
	c.RenditionSwitches = r(cSwitches)
}

// countersFrom converts an array of counters (one viewer's or a sum) to
// Counters.
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
	c.DroppedProgressLines = a[cDroppedProgress]
	c.DroppedStderrLines = a[cDroppedStderr]
	c.SegmentFailures = a[cSegFail]
	c.PlaylistFailures = a[cPlayFail]
	c.ExpiredSkips = a[cExpired]
	c.SegmentLatencies = a[cSegLatencies]
	c.PlaybackTime = a[cPlaybackTime]
	c.Stalls = a[cStalls]
	c.StallTime = a[cStallTime]
	c.RenditionSwitches = a[cSwitches]
}
