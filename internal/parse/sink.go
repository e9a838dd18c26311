package parse

import "time"

// Cause says why a viewer opened a new connection (see [Sink.Reconnect]).
type Cause uint8

const (
	// CauseKeepaliveRetry is ffmpeg's "keepalive request failed for '<url>'
	// with error: '<err>' when opening url|parsing playlist" line: the request
	// on a reused connection failed and ffmpeg retries on a new one.
	CauseKeepaliveRetry Cause = iota
	// CauseDeadConnection is a retry ffmpeg does without a line of its own: a
	// request written to a reused connection that the origin had already
	// closed (ffmpeg reads EOF before any response) is repeated on a new
	// connection. The dead attempt is not counted as a request, because the
	// origin never received it.
	CauseDeadConnection
	// CauseHTTPReconnect is libavformat's own "Will reconnect at <offset>"
	// line (-reconnect options; not reached by HLS requests in ffmpeg 5.1).
	CauseHTTPReconnect
)

// String names the cause.
func (c Cause) String() string {
	switch c {
	case CauseKeepaliveRetry:
		return "keepalive_retry"
	case CauseDeadConnection:
		return "dead_connection"
	case CauseHTTPReconnect:
		return "http_reconnect"
	}
	return "unknown"
}

// EndReason says which line reported the end of a viewer's stream.
type EndReason uint8

const (
	// EndFinished is "No more output streams to write to, finishing." (the
	// input ended: a VOD played to its end, or every live variant failed).
	EndFinished EndReason = iota
	// EndSignal is "Exiting normally, received signal N." or
	// "<url>: Immediate exit requested" (ffmpeg was told to stop).
	EndSignal
	// EndProgress is progress=end on the -progress stream.
	EndProgress
	// EndInputFailed is the input's fatal open error, "<url>: <error>"
	// printed without a context, for example a 404 master playlist or a
	// refused connection.
	EndInputFailed
)

// String names the reason.
func (r EndReason) String() string {
	switch r {
	case EndFinished:
		return "finished"
	case EndSignal:
		return "signal"
	case EndProgress:
		return "progress_end"
	case EndInputFailed:
		return "input_failed"
	}
	return "unknown"
}

// Stream names one of a viewer's output streams.
type Stream uint8

// The streams, in the same order as internal/stats' Stream (progress first),
// so an adapter converts with a cast.
const (
	// StreamProgress is the -progress output.
	StreamProgress Stream = iota
	// StreamStderr is ffmpeg's log.
	StreamStderr
)

// String names the stream.
func (s Stream) String() string {
	if s == StreamProgress {
		return "progress"
	}
	return "stderr"
}

// Sink receives what the parsers find in one viewer's output. The readers
// (package pump) call every method from one goroutine, so a Sink for one
// viewer needs no locking. Byte slices passed to a Sink are valid only during the call: copy
// them to keep them. Times are when the line was read (or the line's own
// datetime prefix, see the package doc).
type Sink interface {
	// Request counts one HTTP request that reached the network (see the
	// package doc for which line counts). url is the absolute URL when the
	// log gave it, else the request path.
	Request(k Kind, url []byte, at time.Time)
	// HTTPError counts an HTTP error status; k is the kind of the request
	// it answered.
	HTTPError(k Kind, code int, at time.Time)
	// Reconnect counts a new connection opened to retry a failed request.
	Reconnect(k Kind, c Cause, at time.Time)
	// Timeout counts a request that failed on -rw_timeout or a connect
	// timeout.
	Timeout(k Kind, at time.Time)
	// ConnRefused counts a refused TCP connection attempt.
	ConnRefused(at time.Time)
	// BodyCut counts a response whose body ended before its Content-Length
	// ("Stream ends prematurely at X, should be Y").
	BodyCut(k Kind, at time.Time)
	// SegmentFailed counts a segment the player gave up on after its
	// retries ("Failed to open segment N of playlist P", once per segment
	// even when ffmpeg repeats the line); the player skips it.
	SegmentFailed(playlist int, at time.Time)
	// PlaylistFailed counts a playlist load that failed for good ("Failed to
	// reload playlist N", "parse_playlist error ...").
	PlaylistFailed(at time.Time)
	// ExpiredSkips counts n segments the player skipped because they left
	// the live window before it fetched them.
	ExpiredSkips(n int, at time.Time)
	// SequenceChange counts a live playlist reload that moved the media
	// sequence ("Media sequence change", debug level).
	SequenceChange(at time.Time)
	// EndOfStream reports a line that says the viewer's stream ended. One
	// end can show in several lines (for example a signal and progress=end),
	// so treat it as a state, not a count.
	EndOfStream(r EndReason, at time.Time)
	// Latency reports the time from a request's start to its completion, for
	// the requests whose completion the log proves (see the package doc).
	Latency(k Kind, d time.Duration, at time.Time)
	// Unknown counts a line that carries no event this package knows (most
	// debug chatter). It is never an error.
	Unknown(line []byte, at time.Time)
	// Progress delivers one complete -progress block; p is valid only during
	// the call.
	Progress(p *Progress)
	// Lines reports lines read from a stream and lines dropped because the
	// parser fell behind, as increments since the previous call.
	Lines(s Stream, read, dropped uint64)
}

// ByteSink is an optional interface of a [Sink]. When the sink given to
// [NewStderrParser] implements it, Bytes reports the body bytes
// ffmpeg read over HTTP, from the "Statistics: N bytes read" line logged
// when each connection's I/O context is closed: per request without
// keep-alive, per connection with it, and at exit for connections still
// open (a viewer killed with SIGKILL logs none of them).
type ByteSink interface {
	Bytes(n int64, at time.Time)
}

// NopSink is a [Sink] that ignores everything; embed it to implement only
// some methods.
type NopSink struct{}

var _ Sink = NopSink{}

// Request implements [Sink].
func (NopSink) Request(Kind, []byte, time.Time) {}

// HTTPError implements [Sink].
func (NopSink) HTTPError(Kind, int, time.Time) {}

// Reconnect implements [Sink].
func (NopSink) Reconnect(Kind, Cause, time.Time) {}

// Timeout implements [Sink].
func (NopSink) Timeout(Kind, time.Time) {}

// ConnRefused implements [Sink].
func (NopSink) ConnRefused(time.Time) {}

// BodyCut implements [Sink].
func (NopSink) BodyCut(Kind, time.Time) {}

// SegmentFailed implements [Sink].
func (NopSink) SegmentFailed(int, time.Time) {}

// PlaylistFailed implements [Sink].
func (NopSink) PlaylistFailed(time.Time) {}

// ExpiredSkips implements [Sink].
func (NopSink) ExpiredSkips(int, time.Time) {}

// SequenceChange implements [Sink].
func (NopSink) SequenceChange(time.Time) {}

// EndOfStream implements [Sink].
func (NopSink) EndOfStream(EndReason, time.Time) {}

// Latency implements [Sink].
func (NopSink) Latency(Kind, time.Duration, time.Time) {}

// Unknown implements [Sink].
func (NopSink) Unknown([]byte, time.Time) {}

// Progress implements [Sink].
func (NopSink) Progress(*Progress) {}

// Lines implements [Sink].
func (NopSink) Lines(Stream, uint64, uint64) {}
