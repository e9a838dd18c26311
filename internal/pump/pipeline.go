package pump

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// Default sizes of [Options].
const (
	DefaultReadSize   = 64 << 10
	DefaultQueueBytes = 256 << 10
	DefaultQueueLines = 4096
)

// Options tune a [Pipeline]. The zero value uses the defaults.
type Options struct {
	// ReadSize is the size of each read from a pipe, and the longest line
	// kept whole (longer lines are cut to it and counted once). Default
	// DefaultReadSize (64 KiB).
	ReadSize int
	// QueueBytes and QueueLines bound the lines buffered between the stderr
	// reader and the parser (the -progress queue gets 1/16 of them, at least
	// 16 KiB and 256 lines). When a queue is full, new lines are dropped and
	// counted. Defaults DefaultQueueBytes (256 KiB, about a minute of a
	// debug-level viewer's log) and DefaultQueueLines (4096).
	QueueBytes, QueueLines int
	// Clock stamps each read (default time.Now).
	Clock func() time.Time
	// Location is the time zone of datetime log prefixes (default time.Local,
	// which ffmpeg uses).
	Location *time.Location
	// RWTimeout is the viewer's -rw_timeout. A segment that fails without
	// a status or an error of ffmpeg's own is a timeout only when it
	// failed at least this long after its request (see the package doc);
	// 0 (unknown) counts no such timeout.
	RWTimeout time.Duration
}

// Counts are the lines a [Pipeline] read and dropped per stream. Every line
// read is either parsed or dropped: Read - Dropped lines reached the parsers.
type Counts struct {
	StderrRead, StderrDropped     uint64
	ProgressRead, ProgressDropped uint64
}

// Pipeline reads one viewer's stderr and -progress streams, splits them into
// lines, and parses them into a [parse.Sink] on one goroutine.
//
// Each stream has its own reader goroutine that reads continuously in large
// reads (so ffmpeg never waits on a full pipe because of us) and queues
// complete lines for the parser; when the parser falls behind and a queue is
// full, whole lines are dropped and counted. After both streams reach EOF
// (the process exited and closed its pipes), the queued tail is parsed
// completely before [Pipeline.Wait] returns.
type Pipeline struct {
	sink     parse.Sink
	clock    func() time.Time
	readSize int
	qs       [2]*lineQueue // stderr, progress
	stderr   *parse.StderrParser
	progress *parse.ProgressParser
	reported [2][2]uint64 // lines read, dropped already passed to the sink
	wg       sync.WaitGroup
	done     chan struct{}
	counts   Counts
	err      error
}

// Start starts reading stderr and progress (either may be nil) into sink and
// returns at once. Call [Pipeline.Wait] to learn when both streams ended.
// To stop early, close the readers (for pipes from os/exec, do not call
// exec.Cmd.Wait before Pipeline.Wait returns: it closes the pipes and the
// tail would be lost).
func Start(stderr, progress io.Reader, sink parse.Sink, opts Options) *Pipeline {
	if opts.ReadSize <= 0 {
		opts.ReadSize = DefaultReadSize
	}
	if opts.QueueBytes <= 0 {
		opts.QueueBytes = DefaultQueueBytes
	}
	if opts.QueueBytes < opts.ReadSize {
		opts.QueueBytes = opts.ReadSize
	}
	if opts.QueueLines <= 0 {
		opts.QueueLines = DefaultQueueLines
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	p := &Pipeline{
		sink:     sink,
		clock:    opts.Clock,
		readSize: opts.ReadSize,
		stderr:   parse.NewStderrParser(sink, opts.Location, opts.RWTimeout),
		progress: parse.NewProgressParser(sink),
		done:     make(chan struct{}),
	}
	for i, r := range []io.Reader{stderr, progress} {
		qb, ql := opts.QueueBytes, opts.QueueLines
		if i == 1 {
			// -progress writes about a dozen short lines per block.
			qb, ql = max(qb/16, min(qb, 16<<10)), max(ql/16, min(ql, 256))
		}
		q := newLineQueue(qb, ql)
		p.qs[i] = q
		if r == nil {
			q.done = true
			continue
		}
		p.wg.Add(1)
		go p.read(r, q)
	}
	go p.parse()
	return p
}

// Wait blocks until both streams reached EOF (or a read error) and every
// line read was parsed or counted as dropped. It returns the final counts
// and the first read error other than io.EOF.
func (p *Pipeline) Wait() (Counts, error) {
	<-p.done
	return p.counts, p.err
}

// Counts returns the lines read and dropped so far; it is safe to call at
// any time from any goroutine.
func (p *Pipeline) Counts() Counts {
	return Counts{
		StderrRead: p.qs[0].read.Load(), StderrDropped: p.qs[0].dropped.Load(),
		ProgressRead: p.qs[1].read.Load(), ProgressDropped: p.qs[1].dropped.Load(),
	}
}

// read is a stream's reader goroutine.
func (p *Pipeline) read(r io.Reader, q *lineQueue) {
	defer p.wg.Done()
	buf := make([]byte, p.readSize)
	var sp parse.Splitter
	have := 0        // bytes of an unfinished line at buf[:have]
	discard := false // skipping the rest of a line that was cut to ReadSize
	for {
		n, err := r.Read(buf[have:])
		if n > 0 {
			at := p.clock()
			data := buf[:have+n]
			var read, dropped uint64
			q.mu.Lock()
			off := 0
			sp.Reset()
			for {
				line, end, ok := sp.Next(data, off)
				off = end
				if !ok {
					break
				}
				if discard {
					discard = false
					continue
				}
				read++
				if !q.push(line, at) {
					dropped++
				}
			}
			if off == 0 && len(data) == len(buf) {
				// A line longer than the buffer: keep its start as one
				// line and skip the rest up to its terminator.
				if !discard {
					read++
					if !q.push(data, at) {
						dropped++
					}
				}
				discard, off = true, len(data)
			}
			q.mu.Unlock()
			have = copy(buf, data[off:])
			if discard {
				have = 0
			}
			q.read.Add(read)
			q.dropped.Add(dropped)
			if read > 0 {
				q.signal()
			}
		}
		if err != nil {
			q.mu.Lock()
			if have > 0 && !discard {
				q.read.Add(1)
				if !q.push(buf[:have], p.clock()) {
					q.dropped.Add(1)
				}
			}
			if !errors.Is(err, io.EOF) {
				q.err = err
			}
			q.done = true
			q.mu.Unlock()
			q.signal()
			return
		}
	}
}

// parse is the parser goroutine: the only one that calls the sink.
func (p *Pipeline) parse() {
	defer close(p.done)
	for {
		n := p.qs[0].drain(p.stderr.Line)
		n += p.qs[1].drain(p.progress.Line)
		p.reportLines()
		if n > 0 {
			continue
		}
		if p.qs[0].finished() && p.qs[1].finished() {
			break
		}
		select {
		case <-p.qs[0].notify:
		case <-p.qs[1].notify:
		}
	}
	p.wg.Wait()
	p.stderr.Flush()
	p.reportLines()
	p.counts = p.Counts()
	for i, q := range p.qs {
		if q.err != nil && p.err == nil {
			p.err = fmt.Errorf("read %s: %w", queueStream[i], q.err)
		}
	}
}

// queueStream names the stream of each of Pipeline.qs.
var queueStream = [2]parse.Stream{parse.StreamStderr, parse.StreamProgress}

// reportLines passes the line counts' increments to the sink.
func (p *Pipeline) reportLines() {
	for i, q := range p.qs {
		read, dropped := q.read.Load(), q.dropped.Load()
		dr, dd := read-p.reported[i][0], dropped-p.reported[i][1]
		if dr == 0 && dd == 0 {
			continue
		}
		p.reported[i] = [2]uint64{read, dropped}
		p.sink.Lines(queueStream[i], dr, dd)
	}
}
