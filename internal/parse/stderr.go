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
	noConnect bool // its TCP connection failed, so nothing was sent
	unsent    bool // its write failed (Broken pipe): the origin never got it
	afterCut  bool // written on the connection whose last body was cut short
	closeConn bool // its request said "Connection: close": its connection's close ends it
	input     bool // the -i URL, opened by the "NULL" context (closed only at exit)
	ended     bool // its connection's close was seen
	start     time.Time
	reqAt     time.Time
	playlist  int    // HLS playlist index for media requests, else -1
	offset    int64  // first byte asked for (announced, or its Range header); -1 unknown
	guessed   bool   // announced, its kind guessed from its file name (see mediaKind)
	segID     uint64 // its entry in the segment latency tracker, 0 for none
	ptr       uint64 // the http context of its request: line
}

func (r *request) URL() []byte { return r.url[:r.n] }

func (r *request) set(url []byte) {
	r.n = copy(r.url[:], url)
}

// StderrParser classifies ffmpeg's log lines into [Sink] events. Its zero
// value is not ready: use [NewStderrParser]. It is not safe for concurrent
// use; a reader (package pump) runs one per viewer.
type StderrParser struct {
	sink      Sink
	loc       *time.Location
	debug     bool // request: lines are the authoritative request lines
	inHeaders bool // inside the raw header lines after a request: line
	// afterReload: the last thing the demuxer did was load a playlist on a
	// connection of its own (see segTracker.announced).
	afterReload bool
	// lastAt is the time of the previous log line; blockID the tracker
	// entry of the segment request the demuxer last began (0: none), on
	// which a pause of the log is taken to be spent.
	lastAt  time.Time
	blockID uint64

	cur, last request

	ann struct {
		valid    bool
		url      [maxURL]byte
		n        int
		playlist int
		offset   int64
		at       time.Time
	}

	ptrs    [16]ptrKind
	ptrNext int

	// inits are the initialization sections seen ("Downloading an
	// initialization section"), by path and byte offset: see isInit.
	inits    [8][maxURL]byte
	initLens [8]int
	initOffs [8]int64
	initNext int

	segs  segTracker
	bytes ByteSink // the sink, if it counts bytes

	// rwTimeout is the viewer's -rw_timeout (NewStderrParser), 0 when
	// unknown: a request that fails silently after at least this long
	// timed out.
	rwTimeout time.Duration

	// cutPtr is the http context of the last body cut short ("Stream ends
	// prematurely"), until the next request is written on it.
	cutPtr uint64

	failed     [8]failedSeg
	failedNext int

	// held is the HTTP error of a request whose kind is a guess, held
	// for one line: the next may say it was an init section (see
	// holdError).
	held struct {
		valid bool
		kind  Kind
		code  int
		at    time.Time
	}
}

type ptrKind struct {
	ptr  uint64
	kind Kind
}

// NewStderrParser returns a parser that reports to sink. loc is the time zone
// of datetime prefixes (nil: time.Local). rwTimeout is the viewer's ffmpeg
// rw_timeout; with 0 the parser counts no timeout from elapsed time, only
// those ffmpeg logs.
func NewStderrParser(sink Sink, loc *time.Location, rwTimeout time.Duration) *StderrParser {
	if loc == nil {
		loc = time.Local
	}
	p := &StderrParser{sink: sink, loc: loc, rwTimeout: rwTimeout}
	for i := range p.failed {
		p.failed[i].seq = -1
	}
	p.segs.sink = sink
	p.bytes, _ = sink.(ByteSink)
	return p
}

// Line classifies one log line (without its line terminator) read at time
// at. When the line starts with a datetime prefix, that time is used instead.
func (p *StderrParser) Line(line []byte, at time.Time) {
	if p.held.valid && !bytes.Contains(line, []byte(initFailedMsg)) {
		p.releaseError()
	}
	if len(line) == 0 {
		p.inHeaders = false
		return
	}
	if line[0] != '[' {
		if p.inHeaders {
			// A raw request header line.
			if hasPrefix(line, "Connection: close") {
				p.connClose()
			} else if hasPrefix(line, "Range: bytes=") {
				p.rangeHeader(line[len("Range: bytes="):])
			}
			return
		}
		if t, rest, ok := datetimePrefix(line, at, p.loc); ok {
			at, line = t, rest
		}
	}
	if at.Sub(p.lastAt) > gateGap && !p.lastAt.IsZero() {
		p.segs.gap(p.blockID)
	}
	p.lastAt = at
	p.inHeaders = false
	l := splitPrefix(line)
	if !p.debug && len(l.level) == 5 && string(l.level) == "debug" {
		p.debug = true
	}
	if !p.classify(&l, line, at) {
		p.sink.Unknown(line, at)
	}
}

// Closes reports what the segment tracker could not use of the connection
// closes it saw: closes whose request could not be told for sure
// (unattributed) and closes that came late because the demuxer was blocked
// elsewhere (gated). Tests of the readers hold them near zero.
func (p *StderrParser) Closes() (unattributed, gated int) {
	return p.segs.unattributed, p.segs.gated
}

// Flush reports the request still being followed. Call it after the last
// line.
func (p *StderrParser) Flush() {
	p.releaseError()
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
			held := p.holdError(l, k, int(code), at)
			if p.cur.active {
				p.cur.sawError, p.cur.latDone = true, true
			}
			if !held {
				p.sink.HTTPError(k, int(code), at)
			}
			return true
		}
	case 'S':
		if hasPrefix(m, "Skip ('") {
			p.manifestDone(at)
			return true
		}
		if hasPrefix(m, "Statistics: ") {
			p.statistics(m, at)
			return true
		}
		if hasPrefix(m, "Stream ends prematurely") {
			k := p.kindForPtr(l)
			p.segs.cut(l.ptr())
			p.cutPtr = l.ptr()
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
		if hasPrefix(m, initFailedMsg) {
			p.initFailed()
			return true
		}
		if hasPrefix(m, "Failed to reload playlist") {
			p.afterReload = false
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
	case 'I':
		if hasPrefix(m, "Input #") {
			// Probing is over. The segments opened while it ran were read
			// as probing needed them, interleaved across renditions, so
			// their closes say nothing of when their bodies arrived: they
			// get no latency (ended by their close, counted as gated).
			// The line itself is no event: it stays an unknown line.
			p.segs.probed = true
		}
	case 'W':
		if hasPrefix(m, "Will reconnect at ") {
			p.sink.Reconnect(p.kindForPtr(l), CauseHTTPReconnect, at)
			return true
		}
	case 'N':
		if hasPrefix(m, "No longer receiving playlist ") {
			if v, n := leadingInt(m[len("No longer receiving playlist "):]); n > 0 && v < 1<<20 {
				p.segs.unneeded(int(v))
			}
			return true
		}
		if hasPrefix(m, "No more output streams to write to") {
			p.segs.abandon()
			p.sink.EndOfStream(EndFinished, at)
			return true
		}
	case 'E':
		if hasPrefix(m, "Exiting normally, received signal") {
			p.segs.abandon()
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
	if string(l.level) == "fatal" || (l.ctx == nil && hasPrefix(m, "Stream map '") && bytes.Contains(m, []byte("' matches no streams"))) {
		// For example "Stream map '0' matches no streams." when every
		// variant failed to load (named, as internal/ffmpeg asks for no
		// level prefix).
		p.sink.EndOfStream(EndInputFailed, at)
		return true
	}
	return false
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}
