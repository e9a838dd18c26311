package parse

import "time"

// gateGap is the pause of ffmpeg's log that counts as the demuxer being
// blocked (waiting for a response or sleeping until a playlist reload).
const gateGap = 5 * time.Millisecond

// maxPlaylists bounds the HLS playlists (renditions) whose segment latency is
// tracked per viewer.
const maxPlaylists = 16

// segTracker follows each playlist's outstanding segment downloads to find
// the lines that prove a segment's body was read to its end.
//
// ffmpeg's HLS demuxer (HTTP/1.1 origin, http_persistent and http_multiple
// on, the defaults) keeps at most two segments of a playlist open: the one it
// reads and the next one, requested ahead. When the current segment reaches
// EOF the demuxer, in the same call, either requests the segment after the
// next one or reloads the playlist. So: a new segment request for playlist P
// while two are outstanding and no playlist was loaded since P's previous
// request proves that P's oldest outstanding segment just ended. After a
// playlist load the demuxer may have slept first, so the evidence is
// discarded (no latency) and tracking restarts.
//
// Without keep-alive (-http_persistent 0: every request says "Connection:
// close") each segment's own connection is closed when its body was read to
// the end, and ffmpeg logs "Statistics: N bytes read" at that moment: see
// closed.
type segTracker struct {
	sink   Sink
	pls    [maxPlaylists]segPlaylist
	nextID uint64

	pending     bool      // a close waits for the line that names its playlist
	pendingAt   time.Time // when that close was logged
	pendingMask uint32    // the playlists it may belong to
	unknown     uint32    // playlists whose open requests are not known for sure
	done        bool      // ffmpeg is exiting: closes are no completions
	probed      bool      // ffmpeg finished probing the input ("Input #0, hls, from …")
	// unattributed counts closes whose request could not be told for sure
	// (no latency was reported for them).
	unattributed int
	// gated counts closes that came late because the demuxer was blocked on
	// another request or a reload wait (no latency was reported for them).
	gated int
}

type segPlaylist struct {
	out    [2]segEntry
	n      int
	reload bool
}

// keep keeps the open requests whose closeConn is closeConn, in order, and
// returns how many it dropped.
func (s *segPlaylist) keep(closeConn bool) (dropped int) {
	k := 0
	for j := 0; j < s.n; j++ {
		if s.out[j].closeConn == closeConn {
			s.out[k] = s.out[j]
			k++
		}
	}
	dropped, s.n = s.n-k, k
	return dropped
}

type segEntry struct {
	id        uint64
	start     time.Time
	ptr       uint64
	cut       bool
	closeConn bool // its request said "Connection: close": its close ends it
	late      bool // the demuxer was blocked elsewhere while it was open
	lateOpen  bool // late unless it is the pending close (which came before the pause)
	probe     bool // opened while ffmpeg probed the input: read as probing needed it
}

// open records a segment (or init section) request for playlist pl announced
// at time at, and reports the latency its announcement proves. It returns the
// new entry's id (0: not tracked).
func (t *segTracker) open(pl int, at time.Time, isInit bool) uint64 {
	if pl < 0 || pl >= maxPlaylists {
		return 0
	}
	s := &t.pls[pl]
	switch {
	case s.reload:
		// Keep-alive evidence is void after a playlist load; requests on
		// their own connections are still open and end at their close.
		s.keep(true)
		s.reload = false
	case s.n == 2 && !s.out[0].closeConn:
		if e := s.out[0]; !e.cut {
			t.sink.Latency(KindSegment, at.Sub(e.start), at)
		}
		s.out[0], s.n = s.out[1], 1
	}
	if isInit {
		return 0 // read synchronously; reported on its own
	}
	if s.n == 2 { // a close was missed; keep the newest two
		if s.out[0].closeConn {
			t.unattributed++
			t.unknown |= 1 << pl
		}
		s.out[0], s.n = s.out[1], 1
	}
	t.nextID++
	s.out[s.n] = segEntry{id: t.nextID, start: at, probe: !t.probed}
	s.n++
	return t.nextID
}

// reloaded notes a playlist load: every playlist's evidence is discarded,
// because the log does not say which playlist was loaded.
func (t *segTracker) reloaded() {
	for i := range t.pls {
		t.pls[i].reload = true
	}
}

// failed drops playlist pl's newest request: it failed to open.
func (t *segTracker) failed(pl int) {
	if pl < 0 || pl >= maxPlaylists {
		return
	}
	if s := &t.pls[pl]; s.n > 0 {
		s.n--
	}
}

// dropInit removes the entry id: it turned out to be an init section.
func (t *segTracker) dropInit(id uint64) {
	t.remove(id)
}

// find returns the playlist and index of entry id (ok false for id 0 or an
// entry no longer open).
func (t *segTracker) find(id uint64) (s *segPlaylist, j int, ok bool) {
	if id == 0 {
		return nil, 0, false
	}
	for i := range t.pls {
		s := &t.pls[i]
		for j := 0; j < s.n; j++ {
			if s.out[j].id == id {
				return s, j, true
			}
		}
	}
	return nil, 0, false
}

func (t *segTracker) remove(id uint64) {
	if s, j, ok := t.find(id); ok {
		copy(s.out[j:], s.out[j+1:s.n])
		s.n--
	}
}

// setPtr records the http context that carries entry id.
func (t *segTracker) setPtr(id, ptr uint64) {
	if s, j, ok := t.find(id); ok {
		s.out[j].ptr = ptr
	}
}

// cut marks the entry carried by http context ptr as cut short: its end says
// nothing about a complete response.
func (t *segTracker) cut(ptr uint64) {
	if ptr == 0 {
		return
	}
	for i := range t.pls {
		s := &t.pls[i]
		for j := 0; j < s.n; j++ {
			if s.out[j].ptr == ptr {
				s.out[j].cut = true
			}
		}
	}
}

// setClose marks entry id as a request on a connection of its own
// ("Connection: close"): its end is its connection's close.
func (t *segTracker) setClose(id uint64) {
	if s, j, ok := t.find(id); ok {
		s.out[j].closeConn = true
	}
}

// closed handles a "Statistics: N bytes read" line that is not the close of
// a synchronous (playlist, init) request: one of the open close-mode
// segment requests has ended. Each playlist closes its requests in the
// order it opened them, so it is the oldest of some playlist. With one
// candidate playlist it is that one; with several the close waits for the
// demuxer's next announcement, which names the playlist that closed (see
// announced). Two closes in a row without one cannot be told apart: their
// candidates become unknown, and get no latency until each is known again.
func (t *segTracker) closed(at time.Time) {
	if t.done {
		return // ffmpeg is exiting
	}
	var mask uint32
	n, cand := 0, -1
	for i := range t.pls {
		s := &t.pls[i]
		if t.unknown&(1<<i) != 0 || (s.n > 0 && s.out[0].closeConn) {
			mask |= 1 << i
			n++
			cand = i
		}
	}
	if t.pending {
		t.pending = false
		t.unattributed += 2
		t.forget(t.pendingMask | mask)
		return
	}
	switch {
	case n == 0:
		return // not a tracked request (keep-alive connection, the -i input)
	case n == 1:
		t.end(cand, at)
	default:
		t.pending, t.pendingAt, t.pendingMask = true, at, mask
	}
}

// announced handles the demuxer's "HLS request for url …, playlist P": a
// close waiting for its playlist belongs to P, because the demuxer announces
// P's next segment in the same call in which it closed P's segment (maybe
// after reloading P's playlist, whose close is synchronous). An
// announcement right after a playlist load (afterReload) is the open of P's
// current segment with nothing else of P open: P is known again.
func (t *segTracker) announced(pl int, afterReload bool) {
	if t.done || pl < 0 || pl >= maxPlaylists {
		return
	}
	if t.pending {
		t.pending = false
		if t.pendingMask&(1<<pl) != 0 {
			s := &t.pls[pl]
			if s.n > 0 && s.out[0].lateOpen {
				s.out[0].lateOpen = false // it closed before the pause
			}
			t.end(pl, t.pendingAt)
			t.settle()
		} else {
			t.unattributed++
			t.forget(t.pendingMask)
		}
	}
	if afterReload {
		if missed := t.pls[pl].keep(false); t.unknown&(1<<pl) == 0 {
			t.unattributed += missed // their closes were missed
		}
		t.unknown &^= 1 << pl
	}
}

// unneeded handles "No longer receiving playlist P": the demuxer closed
// P's open requests (not at their ends) and logged that line right after.
// A close waiting for its playlist is P's; P has nothing open any more.
func (t *segTracker) unneeded(pl int) {
	if t.done || pl < 0 || pl >= maxPlaylists {
		return
	}
	if t.pending && t.pendingMask&(1<<pl) != 0 {
		t.pending = false
		t.settle()
	}
	t.pls[pl].keep(false)
	t.unknown &^= 1 << pl
}

// abandon stops attribution: ffmpeg is closing everything at exit, and
// those closes are not completions.
func (t *segTracker) abandon() {
	if t.pending {
		t.pending = false
		t.unattributed++
	}
	t.done = true
}

// end reports playlist pl's oldest request as complete at time at; for an
// unknown playlist it only drops it.
func (t *segTracker) end(pl int, at time.Time) {
	s := &t.pls[pl]
	if t.unknown&(1<<pl) != 0 {
		t.unattributed++
		if s.n > 0 && s.out[0].closeConn {
			copy(s.out[:], s.out[1:s.n])
			s.n--
		}
		return
	}
	e := s.out[0]
	copy(s.out[:], s.out[1:s.n])
	s.n--
	switch {
	case e.late || e.probe:
		t.gated++
	case !e.cut && !at.Before(e.start):
		t.sink.Latency(KindSegment, at.Sub(e.start), at)
	}
}

// gap handles a pause of the log longer than gateGap: the demuxer was
// blocked. If it was blocked on request block (its response headers or
// body), that is part of block's latency; every other open close-mode
// request may have completed meanwhile unnoticed, so its close would be
// late: it gets no latency.
func (t *segTracker) gap(block uint64) {
	for i := range t.pls {
		s := &t.pls[i]
		for j := 0; j < s.n; j++ {
			e := &s.out[j]
			switch {
			case !e.closeConn || e.id == block:
			case j == 0 && t.pending && t.pendingMask&(1<<i) != 0:
				e.lateOpen = true // maybe it is the close already logged
			default:
				e.late = true
			}
		}
	}
}

// settle resolves the lateOpen marks once the pending close was attributed:
// the other candidates were still open during the pause.
func (t *segTracker) settle() {
	for i := range t.pls {
		if s := &t.pls[i]; s.n > 0 && s.out[0].lateOpen {
			s.out[0].late = true
			s.out[0].lateOpen = false
		}
	}
}

// forget makes the playlists in mask unknown and drops their close-mode
// requests.
func (t *segTracker) forget(mask uint32) {
	t.unknown |= mask
	for i := range t.pls {
		if mask&(1<<i) == 0 {
			continue
		}
		t.pls[i].keep(false)
	}
}
