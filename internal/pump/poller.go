package pump

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// Pipe is the read end of a pipe that a [Poller] reads by its file
// descriptor. internal/ffmpeg's process pipes satisfy it on Linux;
// [FilePipe] adapts an *os.File.
type Pipe interface {
	// Detach hands the pipe's file descriptor over: the poller owns the
	// descriptor returned (non-blocking, close-on-exec) and closes it; the
	// Pipe no longer reads. It must take the descriptor out of Go's
	// network poller, which would otherwise wake a thread for every write.
	Detach() (fd int, err error)
	// Observe gets every chunk read from the descriptor, in order (for a
	// copy of the log's tail, say). It must not keep the slice.
	Observe(chunk []byte)
	// Drained is called once, after end of file, a read error or the
	// poller's Close, when the descriptor has been closed.
	Drained()
}

// BatchObserver is a [Pipe] that takes the messages a round read from a
// socket stream in one call, in order, rather than one Observe each (one
// lock a round rather than one per ffmpeg write, say). It must not keep
// the slices.
type BatchObserver interface {
	ObserveBatch(msgs [][]byte)
}

// Defaults of [PollerOptions].
const (
	// DefaultPollInterval is the least time between two rounds of reads
	// of socket streams, whose lines carry the kernel's write time.
	DefaultPollInterval = 100 * time.Millisecond
	// DefaultPipeInterval is the least time between two rounds while any
	// stream is a pipe, whose lines are stamped when read.
	DefaultPipeInterval = 2 * time.Millisecond
	// DefaultLineBudget is the number of lines of one stream parsed in one
	// round; about ten times the largest burst a debug-level viewer writes
	// (its start-up: a few hundred lines).
	DefaultLineBudget = 4096
)

// PollerOptions tune a [Poller]. The zero value uses the defaults.
type PollerOptions struct {
	// Interval is the least time between the starts of two rounds of
	// reads while every stream is a SOCK_SEQPACKET socket. A round reads
	// every stream that has data; a write that comes during the interval
	// waits for the next round, but its lines keep the time the kernel
	// stamped on it when ffmpeg wrote it. So Interval only bounds how stale
	// the sink is and how much a stream must buffer (each of ffmpeg's
	// writes is a message; see internal/ffmpeg for the room). Longer
	// intervals batch more messages per system call: less CPU. Default
	// DefaultPollInterval (100 ms); negative means none (each round starts
	// as soon as a stream has data).
	Interval time.Duration
	// PipeInterval replaces Interval while any stream is a pipe. A pipe
	// carries no write times: its lines are stamped when a round reads
	// them, up to PipeInterval after ffmpeg wrote them (plus scheduling
	// delay), so a latency, the difference of two stamps, is off by up to
	// PipeInterval either way, and the stderr parser's 5 ms log-pause
	// test needs it well under 5 ms. Default DefaultPipeInterval (2 ms);
	// negative means none.
	PipeInterval time.Duration
	// LineBudget bounds the lines of one stream parsed in one round; the
	// lines beyond it that the round read are dropped (whole) and counted,
	// so that a flooding viewer cannot starve the others. Default
	// DefaultLineBudget.
	LineBudget int
	// ReadSize is the size of the read buffer (shared by all pipes) and
	// the longest line kept whole (longer lines are cut to it and counted
	// once). Default DefaultReadSize (64 KiB).
	ReadSize int
	// Clock stamps each read (default time.Now).
	Clock func() time.Time
	// Location is the time zone of datetime log prefixes (default
	// time.Local, which ffmpeg uses).
	Location *time.Location
	// RWTimeout is the viewers' -rw_timeout, as Options.RWTimeout.
	RWTimeout time.Duration
}

func (o PollerOptions) withDefaults() PollerOptions {
	if o.Interval == 0 {
		o.Interval = DefaultPollInterval
	}
	if o.PipeInterval == 0 {
		o.PipeInterval = DefaultPipeInterval
	}
	if o.LineBudget <= 0 {
		o.LineBudget = DefaultLineBudget
	}
	if o.ReadSize <= 0 {
		o.ReadSize = DefaultReadSize
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Errors of [Poller].
var (
	// ErrPollerClosed is returned by [Poller.Add] after [Poller.Close].
	ErrPollerClosed = errors.New("parse: poller closed")
	// ErrPollerUnsupported is returned by [NewPoller] on systems without
	// epoll (all but Linux); use [Start] there.
	ErrPollerUnsupported = errors.New("parse: Poller needs Linux (epoll); use Start")
)

// Reader is one viewer's pair of streams on a [Poller], made by
// [Poller.Add]. Its sink is called from the poller's goroutine only.
type Reader struct {
	sink     parse.Sink
	stderr   *parse.StderrParser
	progress *parse.ProgressParser
	streams  [2]*pollStream // stderr, progress; nil when not given
	done     chan struct{}
	counts   Counts

	mu   sync.Mutex
	open int   // streams not yet ended
	err  error // the first error of a stream
}

// Wait blocks until both streams ended (end of file, a read error or the
// poller's Close) and every line read was parsed or counted as dropped.
// It returns the final counts and the first read error, if any.
func (r *Reader) Wait() (Counts, error) {
	<-r.done
	return r.counts, r.err
}

// Done returns a channel closed when Wait would return.
func (r *Reader) Done() <-chan struct{} { return r.done }

// Counts returns the lines read and dropped so far; safe from any
// goroutine.
func (r *Reader) Counts() Counts {
	var c Counts
	if s := r.streams[0]; s != nil {
		c.StderrRead, c.StderrDropped = s.read.Load(), s.dropped.Load()
	}
	if s := r.streams[1]; s != nil {
		c.ProgressRead, c.ProgressDropped = s.read.Load(), s.dropped.Load()
	}
	return c
}

// pollStream is one pipe of a Reader. Everything but the counters is
// touched by the poller goroutine only.
type pollStream struct {
	r       *Reader
	which   parse.Stream
	pipe    Pipe
	fd      int
	carry   []byte        // an unfinished line from the previous read
	discard bool          // skipping the rest of a line cut to ReadSize
	sock    bool          // a SOCK_SEQPACKET socket with kernel timestamps
	batch   BatchObserver // pipe, when it takes batches
	sp      parse.Splitter
	err     error

	pendRead, pendDropped uint64 // lines not yet passed to the counters

	read, dropped atomic.Uint64
}

// line parses one complete line of the stream.
func (s *pollStream) line(line []byte, at time.Time) {
	if s.which == parse.StreamStderr {
		s.r.stderr.Line(line, at)
	} else {
		s.r.progress.Line(line, at)
	}
}

// feed parses the complete lines of chunk, after the line start carried
// over from the previous chunk, within budget, and carries the unfinished
// rest over. A line longer than limit is cut to it (and counted once).
func (s *pollStream) feed(chunk []byte, limit int, at time.Time, budget *int) {
	data := chunk
	if len(s.carry) > 0 {
		s.carry = append(s.carry, chunk...)
		data = s.carry
	}
	take := func(line []byte) {
		s.pendRead++
		if *budget > 0 {
			*budget--
			s.line(line, at)
		} else {
			s.pendDropped++
		}
	}
	off := 0
	s.sp.Reset()
	for {
		line, end, ok := s.sp.Next(data, off)
		off = end
		if !ok {
			break
		}
		if s.discard {
			s.discard = false
			continue
		}
		take(line)
	}
	rest := data[off:]
	if len(rest) >= limit {
		// A line longer than the limit: keep its start as one line and
		// skip the rest up to its terminator.
		if !s.discard {
			take(rest[:limit])
		}
		s.discard = true
	}
	if s.discard {
		rest = nil
	}
	// rest may alias s.carry: append moves it to the front.
	s.carry = append(s.carry[:0], rest...)
}

// cut ends the unfinished line as it is, for a message longer than the
// receive buffer, whose end the kernel dropped: the line is counted once,
// cut, and the next message starts a new line (ffmpeg writes a log line's
// context and level as short messages and its text, which ends the line,
// as one message, the only one that can be that long).
func (s *pollStream) cut(at time.Time, budget *int) {
	if len(s.carry) > 0 && !s.discard {
		s.pendRead++
		if *budget > 0 {
			*budget--
			s.line(s.carry, at)
		} else {
			s.pendDropped++
		}
	}
	s.carry = s.carry[:0]
	s.discard = false
	s.sp.EndMessage()
}

// eof parses an unfinished last line.
func (s *pollStream) eof(at time.Time) {
	if len(s.carry) > 0 && !s.discard {
		s.line(s.carry, at)
		s.pendRead++
	}
	s.carry = s.carry[:0]
	s.flush()
}

// flush passes the lines counted since the last flush to the counters and
// the sink.
func (s *pollStream) flush() {
	read, dropped := s.pendRead, s.pendDropped
	if read == 0 && dropped == 0 {
		return
	}
	s.pendRead, s.pendDropped = 0, 0
	s.read.Add(read)
	s.dropped.Add(dropped)
	s.r.sink.Lines(s.which, read, dropped)
}

// fail records an error of the Reader.
func (r *Reader) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

// ended records that stream s has ended; the last one ends the Reader.
func (r *Reader) ended(s *pollStream) {
	r.mu.Lock()
	if s.err != nil && r.err == nil {
		r.err = s.err
	}
	r.open--
	last := r.open == 0
	r.mu.Unlock()
	if last {
		r.finish()
	}
}

// finish ends the Reader once no stream is open.
func (r *Reader) finish() {
	r.stderr.Flush()
	r.counts = r.Counts()
	close(r.done)
}
