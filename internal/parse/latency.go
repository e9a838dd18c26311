package parse

import "time"

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
type segTracker struct {
	sink   Sink
	pls    [maxPlaylists]segPlaylist
	nextID uint64
}

type segPlaylist struct {
	out    [2]segEntry
	n      int
	reload bool
}

type segEntry struct {
	id    uint64
	start time.Time
	ptr   uint64
	cut   bool
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
		s.n, s.reload = 0, false
	case s.n == 2:
		if e := s.out[0]; !e.cut {
			t.sink.Latency(KindSegment, at.Sub(e.start), at)
		}
		s.out[0], s.n = s.out[1], 1
	}
	if isInit {
		return 0 // read synchronously; reported on its own
	}
	if s.n == 2 { // cannot happen with the rules above; keep the newest two
		s.out[0], s.n = s.out[1], 1
	}
	t.nextID++
	s.out[s.n] = segEntry{id: t.nextID, start: at}
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

func (t *segTracker) remove(id uint64) {
	if id == 0 {
		return
	}
	for i := range t.pls {
		s := &t.pls[i]
		for j := 0; j < s.n; j++ {
			if s.out[j].id == id {
				copy(s.out[j:], s.out[j+1:s.n])
				s.n--
				return
			}
		}
	}
}

// setPtr records the http context that carries entry id.
func (t *segTracker) setPtr(id, ptr uint64) {
	if id == 0 {
		return
	}
	for i := range t.pls {
		s := &t.pls[i]
		for j := 0; j < s.n; j++ {
			if s.out[j].id == id {
				s.out[j].ptr = ptr
				return
			}
		}
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
