// Error and failure lines of the stderr parser.

package parse

import (
	"bytes"
	"time"
)

// keepaliveFailed handles "keepalive request failed for '<url>' with error:
// '<err>' when …": a retry on a new connection follows.
func (p *StderrParser) keepaliveFailed(m []byte, at time.Time) {
	q := bytes.Index(m, []byte("' with error: '"))
	if q < 0 {
		return
	}
	url, rest := m[:q], m[q+len("' with error: '"):]
	k := p.kindOfURL(url, true)
	cur := p.cur.active && bytes.Equal(p.cur.URL(), url)
	if cur {
		k = p.cur.kind
		p.cur.warned, p.cur.latDone = true, true
	}
	if e := bytes.IndexByte(rest, '\''); e >= 0 {
		rest = rest[:e]
	}
	if cur && bytes.Contains(rest, []byte("Broken pipe")) {
		// The request could not be written to a connection the origin had
		// closed (reset in the middle of the previous body): like the
		// silent dead-connection retry, a reconnect and not a request.
		p.cur.unsent = true
	}
	if bytes.Contains(rest, []byte("timed out")) {
		p.timeout(at)
	} else if bytes.Contains(rest, []byte("refused")) {
		p.refused(at)
	}
	p.sink.Reconnect(k, CauseKeepaliveRetry, at)
}

// segmentFailed handles "Failed to open segment N of playlist P".
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
	if r.active && r.confirmed && !r.sawError && !r.timedOut && !r.refused &&
		p.rwTimeout > 0 && at.Sub(r.reqAt) >= p.rwTimeout-p.rwTimeout/10 {
		// ffmpeg 5.1 prints no line when a request (or the retry of a
		// timed-out one) times out, nor when its connection is reset
		// before the response: only the time tells them apart. A request
		// that was written, got no status and failed after the viewer's
		// rw_timeout (less a tenth for stamping error) timed out.
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

// connError handles "Connection to tcp://… failed: <err>".
func (p *StderrParser) connError(m []byte, at time.Time) {
	if p.cur.active && !p.cur.confirmed {
		p.cur.noConnect = true
	}
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
		p.segs.abandon()
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
