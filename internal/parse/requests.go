// Following HTTP requests through the stderr log: which line counts, what
// kind a request is, and the lines that end its latency.

package parse

import (
	"bytes"
	"time"
)

// resolve reports the followed request, if it reached the network, and
// makes it the last one.
func (p *StderrParser) resolve() {
	r := &p.cur
	if !r.active {
		return
	}
	if !r.unsent && (r.confirmed || (!p.debug && r.opened && !r.noConnect)) {
		at := r.start
		if r.confirmed {
			at = r.reqAt
		}
		p.sink.Request(r.kind, r.URL(), at)
	}
	r.active = false
	p.last, p.cur = p.cur, p.last
	p.cur.active = false
}

// begin starts following a new request.
func (p *StderrParser) begin(url []byte, at time.Time) *request {
	p.resolve()
	r := &p.cur
	*r = request{active: true, start: at, playlist: -1, offset: -1}
	r.set(url)
	return r
}

// opening handles "Opening '<url>' for reading" (one per request at info
// level and above; see the package doc).
func (p *StderrParser) opening(l *logLine, url []byte, at time.Time) {
	reused := isHTTPCtx(l.ctx)
	if !reused && p.cur.active && p.cur.reused && !p.cur.sawError && !p.cur.warned &&
		!p.cur.responded && bytes.Equal(p.cur.URL(), url) {
		// A keep-alive request that got EOF before any response: ffmpeg
		// retries on a new connection without a line. The origin never saw
		// the dead attempt. When the connection died cutting a body short,
		// the retry is part of that incident, already reported by BodyCut.
		k, seg, pl, off := p.cur.kind, p.cur.segID, p.cur.playlist, p.cur.offset
		p.cur.active = false
		if !p.cur.afterCut {
			p.sink.Reconnect(k, CauseDeadConnection, at)
		}
		r := p.begin(url, at)
		r.opened, r.kind, r.segID, r.playlist, r.offset = true, k, seg, pl, off
		return
	}
	prev := &p.cur
	if !prev.active {
		prev = &p.last
	}
	retry := prev.n > 0 && bytes.Equal(prev.URL(), url)
	pk, ppl, pseg, poff := prev.kind, prev.playlist, prev.segID, prev.offset
	r := p.begin(url, at)
	r.opened, r.reused = true, reused
	switch {
	case string(l.ctx) == "NULL":
		r.kind = KindManifest // the -i URL, opened before the demuxer exists
		r.input = true
	case p.ann.valid && bytes.Equal(p.ann.url[:p.ann.n], url):
		r.playlist, r.offset = p.ann.playlist, p.ann.offset
		r.kind, r.guessed = p.mediaKind(url, r.offset)
		r.start = p.ann.at
		p.ann.valid = false
		r.segID = p.segs.open(r.playlist, r.start, r.kind == KindInit)
	case retry:
		r.kind, r.playlist, r.segID, r.offset = pk, ppl, pseg, poff
	default:
		r.kind = p.kindOfURL(url, true)
	}
	if r.kind == KindManifest && !retry {
		p.segs.reloaded()
	}
	p.blockID = r.segID
}

// requestLine handles the debug "request: GET <path> HTTP/1.1" line, printed
// once per HTTP request written (retries and redirects included).
func (p *StderrParser) requestLine(l *logLine, m []byte, at time.Time) {
	p.debug = true
	p.inHeaders = true
	sp := bytes.IndexByte(m, ' ')
	if sp < 0 {
		return
	}
	path := m[sp+1:]
	if e := bytes.LastIndexByte(path, ' '); e >= 0 {
		path = path[:e]
	}
	r := &p.cur
	if r.active && r.opened && !r.confirmed && bytes.Equal(urlPath(r.URL()), path) {
		r.confirmed, r.reqAt, r.ptr = true, at, l.ptr()
		if r.ptr != 0 && r.ptr == p.cutPtr {
			// The first request written on the connection that cut a body.
			r.afterCut, p.cutPtr = true, 0
		}
		p.setPtr(l.ptr(), r.kind)
		p.segs.setPtr(r.segID, l.ptr())
		return
	}
	// A request without its own Opening line: a redirect or reconnect by
	// the http protocol, or the Opening line was dropped.
	k := KindUnknown
	same := r.active && bytes.Equal(urlPath(r.URL()), path)
	if same {
		k = r.kind
	}
	r = p.begin(path, at)
	r.confirmed, r.reqAt, r.ptr = true, at, l.ptr()
	if same {
		r.kind = k
	} else {
		r.kind = p.kindOfURL(path, false)
	}
	p.setPtr(l.ptr(), r.kind)
}

// announce handles "HLS request for url '<url>', offset N, playlist P": the
// demuxer is about to open a segment or an initialization section.
func (p *StderrParser) announce(m []byte, at time.Time) {
	p.initDone(at) // an init section's synchronous read has ended
	end := bytes.LastIndex(m, []byte("', offset "))
	if end < 0 {
		return
	}
	off := int64(-1)
	if v, n := leadingInt(m[end+len("', offset "):]); n > 0 {
		off = v
	}
	pl := -1
	if i := bytes.LastIndex(m, []byte("playlist ")); i > end {
		if v, n := leadingInt(m[i+len("playlist "):]); n > 0 && v < 1<<20 {
			pl = int(v)
		}
	}
	p.segs.announced(pl, p.afterReload)
	p.afterReload = false
	p.ann.valid = true
	p.ann.n = copy(p.ann.url[:], m[:end])
	p.ann.playlist = pl
	p.ann.offset = off
	p.ann.at = at
}

// kindForPtr returns the kind of the request last written on the line's
// http context, else of the request being followed.
func (p *StderrParser) kindForPtr(l *logLine) Kind {
	if ptr := l.ptr(); ptr != 0 {
		for i := range p.ptrs {
			if p.ptrs[i].ptr == ptr {
				return p.ptrs[i].kind
			}
		}
	}
	if p.cur.active {
		return p.cur.kind
	}
	if p.last.n > 0 {
		return p.last.kind
	}
	return KindUnknown
}

func (p *StderrParser) setPtr(ptr uint64, k Kind) {
	if ptr == 0 {
		return
	}
	for i := range p.ptrs {
		if p.ptrs[i].ptr == ptr {
			p.ptrs[i].kind = k
			return
		}
	}
	p.ptrs[p.ptrNext] = ptrKind{ptr, k}
	p.ptrNext = (p.ptrNext + 1) % len(p.ptrs)
}

// kindOfURL classifies a URL the demuxer did not announce. Without an
// extension a URL opened by a demuxer is taken as a playlist.
func (p *StderrParser) kindOfURL(url []byte, absolute bool) Kind {
	if p.isInit(url, -1) == initYes {
		return KindInit
	}
	k := ClassifyURL(url)
	if k == KindUnknown && absolute && classifyExt(extOf(baseName(url))) == extNone {
		return KindManifest
	}
	return k
}

// initMatch is what the initialization sections seen say of a request.
type initMatch uint8

const (
	initNever initMatch = iota // its path was never an init section
	initYes                    // its path and offset were (or offset unknown)
	initElse                   // its path was, at another offset: a byte range beside it
)

// isInit reports whether url's path, at byte offset off (-1: unknown), was
// seen as an initialization section.
//
// Init sections are remembered by path and offset, not by path alone,
// because a VOD packaged as one file (EXT-X-BYTERANGE, EXT-X-MAP with
// BYTERANGE; ffmpeg's -hls_flags single_file) serves its init section and
// every segment from the same URL: only the range tells them apart. The
// demuxer announces each request with its offset ("HLS request for url
// '<url>', offset N"), and "Downloading an initialization section" follows
// only an init section's request, so the (path, offset) learned from that
// pair names the playlist's EXT-X-MAP exactly, without reading the
// playlist: an init section's later requests (ffmpeg 5.1 re-fetches it
// after each live reload) and their errors are init, and the segments
// beside it in the file are segments, whatever the file is called.
func (p *StderrParser) isInit(url []byte, off int64) initMatch {
	path := urlPath(url)
	m := initNever
	for i := range p.inits {
		if p.initLens[i] > 0 && bytes.Equal(p.inits[i][:p.initLens[i]], path) {
			if off < 0 || p.initOffs[i] == off {
				return initYes
			}
			m = initElse
		}
	}
	return m
}

// mediaKind returns the kind of an announced request for url at offset off:
// init when that path and offset were an init section; a segment when only
// the path was (the rest of a single-file VOD); else a guess (guessed
// true), until "Downloading an initialization section" (or "Failed to
// open an initialization section") says: a file name containing "init" is
// taken as an init section.
func (p *StderrParser) mediaKind(url []byte, off int64) (k Kind, guessed bool) {
	switch p.isInit(url, off) {
	case initYes:
		return KindInit, false
	case initElse:
		return KindSegment, false
	}
	if hasInit(baseName(url)) {
		return KindInit, true
	}
	return KindSegment, true
}

// initFailedMsg starts the line ffmpeg logs right after the failed request
// of an initialization section.
const initFailedMsg = "Failed to open an initialization section"

// holdError holds the HTTP error of the request being followed when its
// kind is a guess, and reports whether it did. Before an init section
// loads, nothing in its request says it is one (a single-file VOD's init
// range has the segments' URL): only the line after the error does
// ("Failed to open an initialization section", initFailed), so the error
// waits for that one line, keeping its time.
func (p *StderrParser) holdError(l *logLine, k Kind, code int, at time.Time) bool {
	r := &p.cur
	if !r.active || !r.guessed || k != r.kind || (l.ptr() != 0 && l.ptr() != r.ptr) {
		return false
	}
	p.releaseError()
	p.held.valid, p.held.kind, p.held.code, p.held.at = true, k, code, at
	return true
}

// releaseError reports the held HTTP error, if any.
func (p *StderrParser) releaseError() {
	if p.held.valid {
		p.held.valid = false
		p.sink.HTTPError(p.held.kind, p.held.code, p.held.at)
	}
}

// initFailed handles "Failed to open an initialization section in
// playlist N": the request being followed was an init section. It, and
// the held error, are init, and its path and offset are remembered as one.
func (p *StderrParser) initFailed() {
	r := &p.cur
	if p.held.valid {
		p.held.kind = KindInit
		p.releaseError()
	}
	if !r.active || r.playlist < 0 {
		return
	}
	p.learnInit(r)
}

// rangeHeader handles a request's "Range: bytes=N-" header line. A request
// the demuxer did not announce (a redirect, an http-level reconnect) learns
// its offset from it, and with it its kind when its path holds a known
// init section.
func (p *StderrParser) rangeHeader(v []byte) {
	r := &p.cur
	if !r.active || !r.confirmed || r.offset >= 0 {
		return
	}
	off, n := leadingInt(v)
	if n == 0 {
		return
	}
	r.offset = off
	if r.kind != KindSegment && r.kind != KindInit {
		return
	}
	k := r.kind
	switch p.isInit(r.URL(), off) {
	case initYes:
		k = KindInit
	case initElse:
		k = KindSegment
	}
	if k != r.kind {
		r.kind = k
		p.setPtr(r.ptr, k)
	}
}

// initDownloading handles "Downloading an initialization section of size N",
// printed after an init section opened successfully.
func (p *StderrParser) initDownloading() {
	r := &p.cur
	if !r.active {
		return
	}
	p.learnInit(r)
	r.initRead, r.responded = true, true
}

// learnInit makes r an init section, and remembers its path and offset.
func (p *StderrParser) learnInit(r *request) {
	r.guessed = false
	if r.kind != KindInit {
		r.kind = KindInit
		if r.confirmed {
			p.setPtr(r.ptr, KindInit)
		}
	}
	p.segs.dropInit(r.segID)
	r.segID = 0
	if p.isInit(r.URL(), r.offset) != initYes {
		path := urlPath(r.URL())
		p.initLens[p.initNext] = copy(p.inits[p.initNext][:], path)
		p.initOffs[p.initNext] = max(r.offset, 0)
		p.initNext = (p.initNext + 1) % len(p.inits)
	}
}

// initDone reports an init section's latency when its synchronous read has
// ended (its connection's "Statistics" line or the next announcement).
func (p *StderrParser) initDone(at time.Time) {
	r := &p.cur
	if r.active && r.initRead && !r.latDone && !r.sawError {
		r.latDone = true
		p.sink.Latency(KindInit, at.Sub(r.start), at)
	}
}

// manifestDone reports a playlist's latency at the first line its parser
// prints ("Skip (...)" or "Media sequence change").
func (p *StderrParser) manifestDone(at time.Time) {
	r := &p.cur
	if !r.active || r.kind != KindManifest {
		return
	}
	if !r.latDone && !r.sawError && (r.confirmed || !p.debug) && (!r.closeConn || r.input) {
		r.latDone = true
		p.sink.Latency(KindManifest, at.Sub(r.start), at)
	}
	r.responded = true
}

// connClose handles the request header "Connection: close": the request
// has a connection of its own (-http_persistent 0, or the -i URL), which
// ffmpeg closes, with a "Statistics" line, when it is done with the body.
func (p *StderrParser) connClose() {
	r := &p.cur
	if !r.active || !r.confirmed || r.closeConn {
		return
	}
	r.closeConn = true
	p.segs.setClose(r.segID)
}

// statistics handles "[AVIOContext @ …] Statistics: N bytes read, N seeks",
// logged when a connection's I/O context is closed ("bytes written" is the
// output, closed at exit).
func (p *StderrParser) statistics(m []byte, at time.Time) {
	p.blockID = 0
	n, digits := leadingInt(m[len("Statistics: "):])
	rest := m[len("Statistics: ")+digits:]
	if hasPrefix(rest, " bytes written") {
		p.segs.abandon()
		return
	}
	if p.bytes != nil && digits > 0 && hasPrefix(rest, " bytes read") {
		p.bytes.Bytes(n, at)
	}
	r := &p.cur
	if r.active && r.confirmed && r.closeConn && !r.input && r.kind != KindSegment && !r.ended && !p.segs.done {
		// A playlist, init section or key: read whole and closed before
		// the demuxer does anything else.
		r.ended = true
		p.afterReload = r.kind == KindManifest
		if !r.latDone && !r.sawError {
			r.latDone = true
			p.sink.Latency(r.kind, at.Sub(r.start), at)
		}
		return
	}
	p.initDone(at)
	p.segs.closed(at)
}

func isHTTPCtx(ctx []byte) bool {
	return string(ctx) == "http" || string(ctx) == "https"
}
