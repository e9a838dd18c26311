package player

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// Report is what one viewer's playback measured, over all its plays.
type Report struct {
	// Plays counts the times the viewer started the stream (a VOD
	// watched to its end and started again counts twice).
	Plays int
	// Segments counts the media segments received whole.
	Segments int
	// Stalls counts the times the buffer ran dry during playback (not
	// before playback began, nor at the end of a VOD); StallTime is their
	// total duration, the stall in progress at the end included.
	Stalls    int
	StallTime time.Duration
	// Played is the media time played (the playback clock), over all
	// plays; Startup the time from the first play's start to its
	// playback's start (0 when it never began).
	Played  time.Duration
	Startup time.Duration
	// TTFB is the largest time to first byte of a complete segment,
	// init or playlist response; TTFBTotal their sum over TTFBCount.
	TTFB, TTFBTotal time.Duration
	TTFBCount       int
	// Switches counts an adaptive viewer's switches from one variant to
	// another (Viewer.Variants).
	Switches int
}

// buffer is the buffer model of one play: the media fetched (end, the
// least over the renditions played), and the playback clock (pos), which
// starts once startup media is buffered (or every segment is), runs at
// real time while pos < end, stalls when it reaches end, and resumes when
// more media arrives. Times are media time from the start of the play.
type buffer struct {
	startup  time.Duration
	playing  bool
	began    bool
	complete bool // every segment is in: reaching end is the end, not a stall
	pos      time.Duration
	at       time.Time // when pos was last moved
	end      time.Duration
	stallAt  time.Time // start of the stall in progress; zero when none
}

// advance moves the playback clock to now.
func (b *buffer) advance(now time.Time, r *Report) {
	if !b.playing {
		b.at = now
		return
	}
	p := b.pos + now.Sub(b.at)
	if p >= b.end {
		if !b.complete {
			b.stallAt = b.at.Add(b.end - b.pos)
			r.Stalls++
		}
		p, b.playing = b.end, false
	}
	r.Played += p - b.pos
	b.pos, b.at = p, now
}

// grow records that media up to end is buffered at now.
func (b *buffer) grow(now time.Time, end time.Duration, r *Report, started time.Time) {
	b.advance(now, r)
	b.end = max(b.end, end)
	if b.playing || b.end <= b.pos || !b.began && b.end < b.startup && !b.complete {
		return
	}
	if !b.stallAt.IsZero() {
		r.StallTime += now.Sub(b.stallAt)
		b.stallAt = time.Time{}
	}
	if !b.began && r.Plays == 1 {
		r.Startup = now.Sub(started)
	}
	b.playing, b.began, b.at = true, true, now
}

// viewerState is one viewer's state shared by its renditions' goroutines.
type viewerState struct {
	headers viewerHeaders
	hc      *http.Client  // the viewer's requests go through it (Client.connect)
	startup time.Duration // see Viewer.StartupBuffer
	stats   *stats.Viewer
	onFirst func(time.Time)
	// sawRequest and sawSegment are set by the transport's writer
	// goroutines (see fetch), so they are atomic.
	sawRequest, sawSegment atomic.Bool
	download               bool
	// abr is an adaptive viewer's variant choice (nil for others), used
	// by its adaptive track's goroutine only.
	abr         *abr
	onRendition func(string)

	mu      sync.Mutex // guards what follows, and serializes stats.ObserveProgress
	started time.Time  // start of the current play
	buf     buffer
	tracks  []time.Duration // media fetched per rendition
	rep     Report
	pushed  pushed // what of rep the stats were given
}

// pushed is what of a Report a viewer's stats were given: stalls, stall
// time (the stall in progress included) and played time.
type pushed struct {
	stalls        int
	stall, played time.Duration
}

// requested counts one request of kind k that reached the network.
func (pv *viewerState) requested(k stats.Kind) {
	now := time.Now()
	pv.stats.AddRequest(k)
	if !pv.sawRequest.Load() && pv.sawRequest.CompareAndSwap(false, true) && pv.onFirst != nil {
		pv.onFirst(now)
	}
	if (k == stats.KindSegment || k == stats.KindInit) && !pv.sawSegment.Load() && pv.sawSegment.CompareAndSwap(false, true) {
		pv.stats.FirstSegment(now)
	}
}

// failed counts a failed request by why it failed.
func (pv *viewerState) failed(_ stats.Kind, e errorKind) {
	switch e {
	case errTimeout:
		pv.stats.AddTimeout()
	case errRefused:
		pv.stats.AddConnRefused()
	case errCut:
		pv.stats.AddReconnect()
	}
}

func (pv *viewerState) observeTTFB(d time.Duration) {
	pv.mu.Lock()
	pv.rep.TTFB = max(pv.rep.TTFB, d)
	pv.rep.TTFBTotal += d
	pv.rep.TTFBCount++
	pv.mu.Unlock()
}

// begin starts a play of n renditions at now.
func (pv *viewerState) begin(now time.Time, n int) {
	pv.mu.Lock()
	pv.started = now
	pv.buf = buffer{at: now, startup: pv.startup}
	pv.tracks = make([]time.Duration, n)
	pv.rep.Plays++
	pv.mu.Unlock()
	pv.stats.Started(now)
}

// received records that rendition i received a segment of duration d.
func (pv *viewerState) received(i int, d time.Duration) {
	now := time.Now()
	pv.mu.Lock()
	defer pv.mu.Unlock()
	pv.rep.Segments++
	pv.tracks[i] += d
	end := pv.tracks[0]
	for _, t := range pv.tracks[1:] {
		end = min(end, t)
	}
	pv.buf.grow(now, end, &pv.rep, pv.started)
	pv.progressLocked(now)
}

// progress reports the playback clock at now to the stats.
func (pv *viewerState) progress() {
	pv.mu.Lock()
	pv.progressLocked(time.Now())
	pv.mu.Unlock()
}

// progressLocked reports the playback clock as out time, as ffmpeg's
// -progress reports its own: stats derive speed, drift and stalled
// viewers from it. A download reports the media fetched, as ffmpeg does
// when it reads as fast as it can.
func (pv *viewerState) progressLocked(now time.Time) {
	pv.buf.advance(now, &pv.rep)
	pv.flushLocked(now)
	if !pv.buf.began {
		return
	}
	pos, speed := pv.buf.pos, 0.0
	if pv.buf.playing {
		speed = 1
	}
	if pv.download {
		pos = pv.buf.end
	}
	pv.stats.ObserveProgress(now, pos, speed)
}

// ahead returns the media buffered ahead of the playback clock.
func (pv *viewerState) ahead() time.Duration {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	pv.buf.advance(time.Now(), &pv.rep)
	return pv.buf.end - pv.buf.pos
}

// complete marks every segment of the play as received: reaching the end
// of the buffer is then the end of the play.
func (pv *viewerState) complete() {
	pv.mu.Lock()
	pv.buf.complete = true
	now := time.Now()
	pv.buf.grow(now, pv.buf.end, &pv.rep, pv.started) // a play shorter than the startup buffer begins now
	pv.mu.Unlock()
}

// report returns the viewer's Report, a stall in progress counted up to
// now.
func (pv *viewerState) report() Report {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	now := time.Now()
	pv.buf.advance(now, &pv.rep)
	r := pv.rep
	if !pv.buf.stallAt.IsZero() {
		r.StallTime += now.Sub(pv.buf.stallAt)
	}
	return r
}

// flushLocked gives the stats what the buffer model measured since the
// last flush: stalls begun, stall time (of the stall in progress too, so
// that a window sees a long stall as it happens) and played time, both
// as playback time. Call it after buf.advance.
func (pv *viewerState) flushLocked(now time.Time) {
	st := pv.stats
	for ; pv.pushed.stalls < pv.rep.Stalls; pv.pushed.stalls++ {
		st.AddStall()
	}
	stall := pv.rep.StallTime
	if !pv.buf.stallAt.IsZero() {
		stall += now.Sub(pv.buf.stallAt)
	}
	if d := stall - pv.pushed.stall; d > 0 {
		st.AddStallTime(d)
		st.AddPlayback(d)
		pv.pushed.stall = stall
	}
	if d := pv.rep.Played - pv.pushed.played; d > 0 {
		st.AddPlayback(d)
		pv.pushed.played = pv.rep.Played
	}
}

// flush gives the stats what the buffer model measured up to now.
func (pv *viewerState) flush() {
	pv.mu.Lock()
	now := time.Now()
	pv.buf.advance(now, &pv.rep)
	pv.flushLocked(now)
	pv.mu.Unlock()
}
