package parse

import (
	"bytes"
	"time"
)

// maxURL bounds the bytes of a URL the parser keeps per request; longer URLs
// are truncated (only for matching and for Sink.Request).
const maxURL = 1024

// request is one logical HTTP request the parser is following.
type request struct {
	active    bool
	url       [maxURL]byte
	n         int
	kind      Kind
	opened    bool // announced by an "Opening '<url>' for reading" line
	reused    bool // opened on a reused keep-alive connection ([http @ …] Opening)
	confirmed bool // a debug "request: GET <path>" line was seen for it
	sawError  bool // an HTTP error answered it
	warned    bool // a keepalive-retry warning named it
	timedOut  bool // a timeout was already counted for it
	refused   bool // a refused connection was already counted for it
	latDone   bool // its latency was reported (or can no longer be)
	initRead  bool // "Downloading an initialization section" followed it
	responded bool // a line proved a response arrived (playlist parsed, init read)
	start     time.Time
	reqAt     time.Time
	playlist  int    // HLS playlist index for media requests, else -1
	segID     uint64 // its entry in the segment latency tracker, 0 for none
	ptr       uint64 // the http context of its request: line
}

func (r *request) URL() []byte { return r.url[:r.n] }

func (r *request) set(url []byte) {
	r.n = copy(r.url[:], url)
}

// StderrParser classifies ffmpeg's log lines into [Sink] events. Its zero
// value is not ready: use [NewStderrParser]. It is not safe for concurrent
// use; a [Pipeline] runs one per viewer.
type StderrParser struct {
	sink      Sink
	loc       *time.Location
	debug     bool // request: lines are the authoritative request lines
	inHeaders bool // inside the raw header lines after a request: line

	cur, last request

	ann struct {
		valid    bool
		url      [maxURL]byte
		n        int
		playlist int
		at       time.Time
	}

	ptrs    [16]ptrKind
	ptrNext int

	inits    [8][maxURL]byte
	initLens [8]int
	initNext int

	segs segTracker

	failed     [8]failedSeg
	failedNext int
}

type ptrKind struct {
	ptr  uint64
	kind Kind
}

// NewStderrParser returns a parser that reports to sink. loc is the time zone
// of datetime prefixes (nil: time.Local).
func NewStderrParser(sink Sink, loc *time.Location) *StderrParser {
	if loc == nil {
		loc = time.Local
	}
	p := &StderrParser{sink: sink, loc: loc}
	for i := range p.failed {
		p.failed[i].seq = -1
	}
	p.segs.sink = sink
	return p
}

// Line classifies one log line (without its line terminator) read at time
// at. When the line starts with a datetime prefix, that time is used instead.
func (p *StderrParser) Line(line []byte, at time.Time) {
	if len(line) == 0 {
		p.inHeaders = false
		return
	}
	if line[0] != '[' {
		if p.inHeaders {
			return // a raw request header line
		}
		if t, rest, ok := datetimePrefix(line, at, p.loc); ok {
			at, line = t, rest
		}
	}
	p.inHeaders = false
	l := splitPrefix(line)
	if !p.debug && len(l.level) == 5 && string(l.level) == "debug" {
		p.debug = true
	}
	if !p.classify(&l, line, at) {
		p.sink.Unknown(line, at)
	}
}

// Flush reports the request still being followed. Call it after the last
// line.
func (p *StderrParser) Flush() {
	p.resolve()
}

// classify dispatches on the message; it returns false for unknown lines.
func (p *StderrParser) classify(l *logLine, line []byte, at time.Time) bool {
	m := l.msg
	if len(m) == 0 {
		return true
	}
	switch m[0] {
	case 'r':
		if hasPrefix(m, "request: ") {
			p.requestLine(l, m[len("request: "):], at)
			return true
		}
	case 'O':
		if hasPrefix(m, "Opening '") {
			if end := bytes.LastIndex(m, []byte("' for ")); end > len("Opening '") {
				p.opening(l, m[len("Opening '"):end], at)
				return true
			}
		}
	case 'H':
		if hasPrefix(m, "HLS request for url '") {
			p.announce(m[len("HLS request for url '"):], at)
			return true
		}
		if hasPrefix(m, "HTTP error ") {
			code, n := leadingInt(m[len("HTTP error "):])
			if n == 0 {
				return false
			}
			k := p.kindForPtr(l)
			if p.cur.active {
				p.cur.sawError, p.cur.latDone = true, true
			}
			p.sink.HTTPError(k, int(code), at)
			return true
		}
	case 'S':
		if hasPrefix(m, "Skip ('") {
			p.manifestDone(at)
			return true
		}
		if hasPrefix(m, "Statistics: ") {
			p.initDone(at)
			return true
		}
		if hasPrefix(m, "Stream ends prematurely") {
			k := p.kindForPtr(l)
			p.segs.cut(l.ptr())
			p.sink.BodyCut(k, at)
			return true
		}
		if hasPrefix(m, "Starting connection attempt") || hasPrefix(m, "Successfully connected") || hasPrefix(m, "Setting default whitelist") {
			return true
		}
	case 'k':
		if hasPrefix(m, "keepalive request failed for '") {
			p.keepaliveFailed(m[len("keepalive request failed for '"):], at)
			return true
		}
	case 'M':
		if hasPrefix(m, "Media sequence change") {
			p.manifestDone(at)
			p.sink.SequenceChange(at)
			return true
		}
	case 'F':
		if hasPrefix(m, "Failed to open segment ") {
			p.segmentFailed(m[len("Failed to open segment "):], at)
			return true
		}
		if hasPrefix(m, "Failed to reload playlist") {
			p.sink.PlaylistFailed(at)
			return true
		}
	case 'p':
		if hasPrefix(m, "parse_playlist error ") {
			if bytes.Contains(m, []byte("timed out")) {
				p.timeout(at)
			}
			p.sink.PlaylistFailed(at)
			return true
		}
	case 's':
		if hasPrefix(m, "skipping ") && bytes.Contains(m, []byte("expired from playlist")) {
			n, _ := leadingInt(m[len("skipping "):])
			p.segs.reloaded()
			p.sink.ExpiredSkips(int(n), at)
			return true
		}
	case 'D':
		if hasPrefix(m, "Downloading an initialization section") {
			p.initDownloading()
			return true
		}
	case 'C':
		if hasPrefix(m, "Connection to ") && bytes.Contains(m, []byte(" failed")) {
			p.connError(m, at)
			return true
		}
	case 'W':
		if hasPrefix(m, "Will reconnect at ") {
			p.sink.Reconnect(p.kindForPtr(l), CauseHTTPReconnect, at)
			return true
		}
	case 'N':
		if hasPrefix(m, "No more output streams to write to") {
			p.sink.EndOfStream(EndFinished, at)
			return true
		}
	case 'E':
		if hasPrefix(m, "Exiting normally, received signal") {
			p.sink.EndOfStream(EndSignal, at)
			return true
		}
		if hasPrefix(m, "Empty segment [") {
			return true // follows "parse_playlist error", already counted
		}
		if hasPrefix(m, "Error when loading first segment '") {
			return true // the input's open fails next; that line reports it
		}
		if hasPrefix(m, "Error opening input") {
			// ffmpeg 7: "[in#0 @ 0x…] Error opening input: <error>" and
			// "Error opening input file <url>." / "… files: <error>".
			if bytes.Contains(m, []byte("timed out")) {
				p.timeout(at)
			} else if bytes.Contains(m, []byte("refused")) {
				p.refused(at)
			}
			p.sink.EndOfStream(EndInputFailed, at)
			return true
		}
	case 'f':
		if hasPrefix(m, "frame=") {
			return true // the -stats line
		}
	case 'h':
		if l.ctx == nil && (hasPrefix(m, "http://") || hasPrefix(m, "https://")) {
			return p.inputError(m, at)
		}
	}
	if string(l.level) == "fatal" {
		// For example "Stream map '0' matches no streams." when every
		// variant failed to load.
		p.sink.EndOfStream(EndInputFailed, at)
		return true
	}
	return false
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// resolve reports the followed request, if it reached the network, and
// makes it the last one.
func (p *StderrParser) resolve() {
	r := &p.cur
	if !r.active {
		return
	}
	if r.confirmed || (!p.debug && r.opened) {
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
	*r = request{active: true, start: at, playlist: -1}
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
		// the dead attempt.
		k, seg, pl := p.cur.kind, p.cur.segID, p.cur.playlist
		p.cur.active = false
		p.sink.Reconnect(k, CauseDeadConnection, at)
		r := p.begin(url, at)
		r.opened, r.kind, r.segID, r.playlist = true, k, seg, pl
		return
	}
	prev := &p.cur
	if !prev.active {
		prev = &p.last
	}
	retry := prev.n > 0 && bytes.Equal(prev.URL(), url)
	pk, ppl, pseg := prev.kind, prev.playlist, prev.segID
	r := p.begin(url, at)
	r.opened, r.reused = true, reused
	switch {
	case string(l.ctx) == "NULL":
		r.kind = KindManifest // the -i URL, opened before the demuxer exists
	case p.ann.valid && bytes.Equal(p.ann.url[:p.ann.n], url):
		r.playlist = p.ann.playlist
		r.kind = KindSegment
		if hasInit(baseName(url)) || p.isInit(url) {
			r.kind = KindInit
		}
		r.start = p.ann.at
		p.ann.valid = false
		r.segID = p.segs.open(r.playlist, r.start, r.kind == KindInit)
	case retry:
		r.kind, r.playlist, r.segID = pk, ppl, pseg
	default:
		r.kind = p.kindOfURL(url, true)
	}
	if r.kind == KindManifest && !retry {
		p.segs.reloaded()
	}
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
	pl := -1
	if i := bytes.LastIndex(m, []byte("playlist ")); i > end {
		if v, n := leadingInt(m[i+len("playlist "):]); n > 0 && v < 1<<20 {
			pl = int(v)
		}
	}
	p.ann.valid = true
	p.ann.n = copy(p.ann.url[:], m[:end])
	p.ann.playlist = pl
	p.ann.at = at
}

func (p *StderrParser) keepaliveFailed(m []byte, at time.Time) {
	q := bytes.Index(m, []byte("' with error: '"))
	if q < 0 {
		return
	}
	url, rest := m[:q], m[q+len("' with error: '"):]
	k := p.kindOfURL(url, true)
	if p.cur.active && bytes.Equal(p.cur.URL(), url) {
		k = p.cur.kind
		p.cur.warned, p.cur.latDone = true, true
	}
	if e := bytes.IndexByte(rest, '\''); e >= 0 {
		rest = rest[:e]
	}
	if bytes.Contains(rest, []byte("timed out")) {
		p.timeout(at)
	} else if bytes.Contains(rest, []byte("refused")) {
		p.refused(at)
	}
	p.sink.Reconnect(k, CauseKeepaliveRetry, at)
}

func (p *StderrParser) segmentFailed(m []byte, at time.Time) {
	pl := -1
	if i := bytes.LastIndex(m, []byte("of playlist ")); i >= 0 {
		if v, n := leadingInt(m[i+len("of playlist "):]); n > 0 && v < 1<<20 {
			pl = int(v)
		}
	}
	seq, n := leadingInt(m)
	repeated := false
	if n > 0 {
		// ffmpeg reports a segment again when it was requested ahead and
		// failed, then fails again as the current one: count it once.
		key := failedSeg{pl, seq}
		for _, f := range p.failed {
			repeated = repeated || f == key
		}
		if !repeated {
			p.failed[p.failedNext] = key
			p.failedNext = (p.failedNext + 1) % len(p.failed)
		}
	}
	r := &p.cur
	if r.active && r.confirmed && !r.sawError && !r.timedOut && !r.refused {
		// ffmpeg 5.1 prints no line when the retry of a timed-out request
		// times out too: a request that was written and got no status is
		// counted as a timeout.
		p.timeout(at)
	}
	if r.active {
		r.latDone = true
	}
	p.segs.failed(pl)
	if !repeated {
		p.sink.SegmentFailed(pl, at)
	}
}

type failedSeg struct {
	playlist int
	seq      int64
}

func (p *StderrParser) connError(m []byte, at time.Time) {
	if bytes.Contains(m, []byte("refused")) {
		p.refused(at)
	} else if bytes.Contains(m, []byte("timed out")) {
		p.timeout(at)
	}
}

// inputError handles "<url>: <error>" without a context: the input could not
// be opened (or was interrupted).
func (p *StderrParser) inputError(m []byte, at time.Time) bool {
	i := bytes.Index(m, []byte(": "))
	if i < 0 {
		return false
	}
	e := m[i+2:]
	switch {
	case hasPrefix(e, "corrupt input packet"):
		return false
	case hasPrefix(e, "Immediate exit requested"):
		p.sink.EndOfStream(EndSignal, at)
		return true
	case bytes.Contains(e, []byte("timed out")):
		p.timeout(at)
	case bytes.Contains(e, []byte("refused")):
		p.refused(at)
	}
	p.sink.EndOfStream(EndInputFailed, at)
	return true
}

// timeout counts a timeout once per request.
func (p *StderrParser) timeout(at time.Time) {
	k := KindUnknown
	if p.cur.active {
		if p.cur.timedOut {
			return
		}
		p.cur.timedOut, p.cur.latDone = true, true
		k = p.cur.kind
	}
	p.sink.Timeout(k, at)
}

// refused counts a refused connection once per request.
func (p *StderrParser) refused(at time.Time) {
	if p.cur.active {
		if p.cur.refused {
			return
		}
		p.cur.refused, p.cur.latDone = true, true
	}
	p.sink.ConnRefused(at)
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
	if p.isInit(url) {
		return KindInit
	}
	k := classifyURL(url)
	if k == KindUnknown && absolute && classifyExt(extOf(baseName(url))) == extNone {
		return KindManifest
	}
	return k
}

// isInit reports whether url's path was seen as an initialization section.
func (p *StderrParser) isInit(url []byte) bool {
	path := urlPath(url)
	for i := range p.inits {
		if p.initLens[i] > 0 && bytes.Equal(p.inits[i][:p.initLens[i]], path) {
			return true
		}
	}
	return false
}

// initDownloading handles "Downloading an initialization section of size N",
// printed after an init section opened successfully.
func (p *StderrParser) initDownloading() {
	r := &p.cur
	if !r.active {
		return
	}
	if r.kind != KindInit {
		r.kind = KindInit
		if r.confirmed {
			p.setPtr(r.ptr, KindInit)
		}
	}
	p.segs.dropInit(r.segID)
	r.segID = 0
	r.initRead, r.responded = true, true
	if !p.isInit(r.URL()) {
		path := urlPath(r.URL())
		p.initLens[p.initNext] = copy(p.inits[p.initNext][:], path)
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
	if !r.latDone && !r.sawError && (r.confirmed || !p.debug) {
		r.latDone = true
		p.sink.Latency(KindManifest, at.Sub(r.start), at)
	}
	r.responded = true
}

func isHTTPCtx(ctx []byte) bool {
	return string(ctx) == "http" || string(ctx) == "https"
}
