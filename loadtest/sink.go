package loadtest

import (
	"time"

	"github.com/hlsswarm/hlsswarm/internal/parse"
	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// statsSink turns what the parsers find in one ffmpeg run into the
// viewer's stats. A new statsSink is made for every run (process start);
// the parse pipeline calls it from one goroutine.
type statsSink struct {
	v            *stats.Viewer
	startLatency *stats.Histogram // the fleet's spawn -> first request
	spawned      time.Time
	sawRequest   bool
	sawSegment   bool
}

var (
	_ parse.Sink     = (*statsSink)(nil)
	_ parse.ByteSink = (*statsSink)(nil)
)

// kindOf converts a parse.Kind to a stats.Kind: both list manifest,
// segment, init, unknown in that order.
func kindOf(k parse.Kind) stats.Kind {
	if k > parse.KindUnknown {
		return stats.KindUnknown
	}
	return stats.Kind(k)
}

// Request implements parse.Sink.
func (s *statsSink) Request(k parse.Kind, _ []byte, at time.Time) {
	s.v.AddRequest(kindOf(k))
	if !s.sawRequest {
		s.sawRequest = true
		s.startLatency.Record(at.Sub(s.spawned))
	}
	if !s.sawSegment && (k == parse.KindSegment || k == parse.KindInit) {
		s.sawSegment = true
		s.v.FirstSegment(at)
	}
}

// HTTPError implements parse.Sink.
func (s *statsSink) HTTPError(k parse.Kind, code int, _ time.Time) { s.v.AddHTTPError(kindOf(k), code) }

// Reconnect implements parse.Sink.
func (s *statsSink) Reconnect(parse.Kind, parse.Cause, time.Time) { s.v.AddReconnect() }

// Timeout implements parse.Sink.
func (s *statsSink) Timeout(parse.Kind, time.Time) { s.v.AddTimeout() }

// ConnRefused implements parse.Sink.
func (s *statsSink) ConnRefused(time.Time) { s.v.AddConnRefused() }

// BodyCut implements parse.Sink. A body cut short ("Stream ends
// prematurely") counts as a reconnect, with keep-alive or without: the
// connection is lost. With keep-alive, ffmpeg's silent retry of the next
// request on that connection is part of the same incident, and the parser
// does not report it again.
func (s *statsSink) BodyCut(parse.Kind, time.Time) { s.v.AddReconnect() }

// SegmentFailed implements parse.Sink.
func (s *statsSink) SegmentFailed(int, time.Time) { s.v.AddSegmentFailure() }

// PlaylistFailed implements parse.Sink.
func (s *statsSink) PlaylistFailed(time.Time) { s.v.AddPlaylistFailure() }

// ExpiredSkips implements parse.Sink.
func (s *statsSink) ExpiredSkips(n int, _ time.Time) { s.v.AddExpiredSkips(n) }

// SequenceChange implements parse.Sink.
func (s *statsSink) SequenceChange(time.Time) {}

// EndOfStream implements parse.Sink; the exit itself is recorded by the
// supervisor hook.
func (s *statsSink) EndOfStream(parse.EndReason, time.Time) {}

// Latency implements parse.Sink.
func (s *statsSink) Latency(k parse.Kind, d time.Duration, _ time.Time) {
	s.v.ObserveLatency(kindOf(k), d)
}

// Bytes implements parse.ByteSink: the body bytes of each "Statistics: N
// bytes read" line (per request without keep-alive, per connection with
// it), the catalogue's bytes counter.
func (s *statsSink) Bytes(n int64, _ time.Time) { s.v.AddBytes(n) }

// Unknown implements parse.Sink.
func (s *statsSink) Unknown([]byte, time.Time) {}

// Progress implements parse.Sink.
func (s *statsSink) Progress(p *parse.Progress) {
	if !p.HasOutTime {
		return
	}
	speed := p.Speed
	if speed < 0 {
		speed = 0
	}
	s.v.ObserveProgress(p.At, p.OutTime, speed)
}

// Lines implements parse.Sink.
func (s *statsSink) Lines(st parse.Stream, read, dropped uint64) {
	ss := stats.StreamStderr
	if st == parse.StreamProgress {
		ss = stats.StreamProgress
	}
	s.v.AddLines(ss, read, dropped)
}
