//go:build linux

package pump

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/osfd"
	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// maxReadsPerRound bounds the reads of one pipe in one round (1 MiB with
// the default buffer); a pipe with more comes back in the next round.
const maxReadsPerRound = 16

// Poller reads the stderr and -progress pipes of many viewers from one
// goroutine, and parses each line as it reads it, into that viewer's
// [parse.Sink]. See the package documentation ("Reading many viewers") for why
// and what it costs.
type Poller struct {
	opts   PollerOptions
	ep     *epollSet // every stream, for data
	hup    *epollSet // every stream, for hang-ups only: what ends a pause early
	wakeR  int       // read end of the pipe Close and Sync write to (in both sets)
	wakeW  int
	buf    []byte
	msgs   *msgBuf
	events []syscall.EpollEvent
	batch  []ready

	hupEvents [16]syscall.EpollEvent // pause's: only whether any came

	mu      sync.Mutex
	synced  *sync.Cond            // on mu: a round ended, or the poller stopped
	streams map[int32]*pollStream // by file descriptor
	pipes   int                   // streams that are pipes (no write times)
	closed  bool
	stopped bool   // the goroutine read its last round
	begun   uint64 // rounds begun (numbered from 1)
	ended   uint64 // the last round ended
	want    uint64 // the round a Sync waits for

	closeOnce sync.Once
	done      chan struct{} // closed when the goroutine returned
}

// ready is a stream with data (or end of file) in this round.
type ready struct {
	s   *pollStream
	hup bool
}

// NewPoller starts a Poller's goroutine. Call [Poller.Close] to end it.
func NewPoller(opts PollerOptions) (*Poller, error) {
	opts = opts.withDefaults()
	ep, err := newEpollSet(false)
	if err != nil {
		return nil, err
	}
	hup, err := newEpollSet(true)
	if err != nil {
		ep.close()
		return nil, err
	}
	var wake [2]int
	if err := syscall.Pipe2(wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		ep.close()
		hup.close()
		return nil, fmt.Errorf("parse: pipe2: %w", err)
	}
	for _, set := range []*epollSet{ep, hup} {
		if err := set.add(wake[0], syscall.EPOLLIN); err != nil {
			ep.close()
			hup.close()
			_ = syscall.Close(wake[0])
			_ = syscall.Close(wake[1])
			return nil, fmt.Errorf("parse: epoll_ctl: %w", err)
		}
	}
	p := &Poller{
		opts: opts, ep: ep, hup: hup, wakeR: wake[0], wakeW: wake[1],
		buf:     make([]byte, opts.ReadSize),
		msgs:    newMsgBuf(),
		events:  make([]syscall.EpollEvent, 256),
		streams: map[int32]*pollStream{},
		done:    make(chan struct{}),
	}
	p.synced = sync.NewCond(&p.mu)
	go p.run()
	return p, nil
}

// Add takes over stderr and progress (either may be nil; see [Pipe]) and
// parses them into sink until both end. Lines are parsed on the poller's
// goroutine, so a per-viewer sink needs no locking (but must not block:
// it holds up every viewer). A pipe that cannot be taken over or watched
// is closed and marked drained, and its error is the one Reader.Wait
// returns; Add itself fails only after Close, having closed both pipes.
func (p *Poller) Add(stderr, progress Pipe, sink parse.Sink) (*Reader, error) {
	r := &Reader{
		sink:     sink,
		stderr:   parse.NewStderrParser(sink, p.opts.Location, p.opts.RWTimeout),
		progress: parse.NewProgressParser(sink),
		done:     make(chan struct{}),
	}
	for i, pipe := range []Pipe{stderr, progress} {
		if pipe == nil {
			continue
		}
		fd, err := pipe.Detach()
		if err != nil {
			pipe.Drained()
			r.fail(err)
			continue
		}
		which := parse.StreamStderr
		if i == 1 {
			which = parse.StreamProgress
		}
		r.streams[i] = &pollStream{r: r, which: which, pipe: pipe, fd: fd, sock: isSeqPacket(fd)}
		r.streams[i].batch, _ = pipe.(BatchObserver)
		r.open++
	}
	if r.open == 0 {
		r.finish()
		return r, nil
	}
	var failed []*pollStream
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		for _, s := range r.streams {
			if s != nil {
				_ = syscall.Close(s.fd)
				s.pipe.Drained()
			}
		}
		return nil, ErrPollerClosed
	}
	for _, s := range r.streams {
		if s == nil {
			continue
		}
		if err := p.ep.add(s.fd, syscall.EPOLLIN); err != nil {
			s.err = fmt.Errorf("parse: watch %s pipe: epoll_ctl: %w", s.which, err)
			failed = append(failed, s)
			continue
		}
		if err := p.hup.add(s.fd, 0); err != nil {
			p.ep.del(s.fd)
			s.err = fmt.Errorf("parse: watch %s pipe: epoll_ctl: %w", s.which, err)
			failed = append(failed, s)
			continue
		}
		p.streams[int32(s.fd)] = s
		if !s.sock {
			p.pipes++
		}
	}
	p.mu.Unlock()
	for _, s := range failed {
		_ = syscall.Close(s.fd)
		s.pipe.Drained()
		r.ended(s)
	}
	return r, nil
}

// Close reads what the pipes still open hold, ends their Readers (as at
// end of file: Wait returns), closes them and stops the goroutine. It is
// safe to call more than once. Close the Poller after the viewers'
// processes exited and their Readers ended, or their last output is lost
// (and their writes fail).
func (p *Poller) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		if !p.stopped {
			_, _ = syscall.Write(p.wakeW, []byte{1})
		}
		p.mu.Unlock()
	})
	<-p.done
	return nil
}

// Sync makes the poller read every stream now, and returns once a round of
// reads that began after the call has ended, or the poller stopped. The
// sinks then hold every line that ffmpeg wrote to a socket stream before
// the call (a pipe's lines as far as the kernel passed them on). Callers
// that read the sinks' results at a moment (a snapshot) call Sync first,
// so that Interval only sets how often the poller reads unasked. Do not
// call it from a Sink: sinks run on the poller's goroutine, which would
// wait for itself.
func (p *Poller) Sync() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	target := p.begun + 1
	p.want = max(p.want, target)
	_, _ = syscall.Write(p.wakeW, []byte{0}) // full: a wake-up is pending anyway
	for p.ended < target && !p.stopped {
		p.synced.Wait()
	}
}

// run is the poller's goroutine: wait until a stream has data, read every
// stream that has, parse, pause until Interval has passed (or a stream
// hangs up, or Sync or Close asks), repeat.
func (p *Poller) run() {
	defer close(p.done)
	for {
		p.mu.Lock()
		p.begun++
		round := p.begun
		wait := time.Duration(-1) // until a stream has data
		if p.want >= round {
			wait = 0 // a Sync waits for this round: read what there is
		}
		if need := len(p.streams) + 1; len(p.events) < need {
			// Room for every stream (and the wake-up pipe): a round reads
			// all that have data, as Sync promises.
			p.events = make([]syscall.EpollEvent, need+need/4)
		}
		p.mu.Unlock()
		n, err := p.ep.wait(p.events, wait)
		if err != nil {
			p.shutdown(fmt.Errorf("parse: epoll_wait: %w", err))
			return
		}
		begin := p.opts.Clock()
		p.mu.Lock()
		stopping := p.closed
		pipes := p.pipes > 0
		interval := p.opts.Interval
		if pipes {
			interval = p.opts.PipeInterval
		}
		p.batch = p.batch[:0]
		for _, ev := range p.events[:n] {
			if int(ev.Fd) == p.wakeR {
				p.drainWake()
				continue
			}
			if s := p.streams[ev.Fd]; s != nil {
				p.batch = append(p.batch, ready{s, ev.Events&(syscall.EPOLLHUP|syscall.EPOLLERR) != 0})
			}
		}
		p.mu.Unlock()
		for _, rd := range p.batch {
			if p.readStream(rd.s, rd.hup) {
				p.remove(rd.s)
			}
		}
		if stopping {
			p.shutdown(nil)
			return
		}
		if p.endRound(round) || interval <= 0 {
			continue
		}
		if rest := interval - p.opts.Clock().Sub(begin); rest > 0 {
			p.pause(rest, pipes)
		}
	}
}

// endRound notes that round ended and wakes the Syncs waiting for it; it
// reports whether a Sync waits for a later round.
func (p *Poller) endRound(round uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = round
	p.synced.Broadcast()
	return p.want > round
}

// pause waits d between two rounds. With socket streams it waits on the
// hang-up set, so that a viewer's exit, Sync and Close end it early (Stop
// then does not wait out a long Interval for the last lines); pipes, whose
// pauses are short, sleep.
func (p *Poller) pause(d time.Duration, pipes bool) {
	if pipes {
		time.Sleep(d)
		return
	}
	_, _ = p.hup.wait(p.hupEvents[:], d) // an error: a round early
}

// drainWake empties the wake-up pipe; p.mu is held.
func (p *Poller) drainWake() {
	var b [64]byte
	for {
		if n, err := syscall.Read(p.wakeR, b[:]); n <= 0 || err != nil {
			return
		}
	}
}

// readStream reads what s holds (to end of file after a hang-up) and
// parses it; it reports whether the stream ended.
func (p *Poller) readStream(s *pollStream, hup bool) bool {
	budget := p.opts.LineBudget
	defer s.flush()
	if s.sock {
		return p.readSocket(s, hup, &budget)
	}
	for i := 0; i < maxReadsPerRound || hup; i++ {
		n, err := syscall.Read(s.fd, p.buf)
		switch {
		case n > 0:
			at := p.opts.Clock()
			s.pipe.Observe(p.buf[:n])
			s.feed(p.buf[:n], p.opts.ReadSize, at, &budget)
			if n < len(p.buf) && !hup {
				return false // a pipe read returns all it holds: empty now
			}
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			return false
		default: // end of file, or an error
			if err != nil {
				s.err = fmt.Errorf("read %s: %w", s.which, err)
			}
			s.eof(p.opts.Clock())
			return true
		}
	}
	return false
}

// remove closes an ended stream and tells its Reader, then its Pipe: so
// a process that waits for its pipes to be drained (internal/ffmpeg) sees
// them drained only once the Reader parsed everything.
func (p *Poller) remove(s *pollStream) {
	p.mu.Lock()
	delete(p.streams, int32(s.fd))
	if !s.sock {
		p.pipes--
	}
	p.mu.Unlock()
	p.ep.del(s.fd)
	p.hup.del(s.fd)
	_ = syscall.Close(s.fd)
	s.r.ended(s)
	s.pipe.Drained()
}

// shutdown ends every stream still open, after reading what it holds.
func (p *Poller) shutdown(cause error) {
	p.mu.Lock()
	p.closed = true
	left := make([]*pollStream, 0, len(p.streams))
	for _, s := range p.streams {
		left = append(left, s)
	}
	p.mu.Unlock()
	for _, s := range left {
		if !p.readStream(s, false) {
			s.eof(p.opts.Clock())
			if s.err == nil {
				s.err = cause
			}
		}
		p.remove(s)
	}
	p.ep.close()
	p.hup.close()
	p.mu.Lock()
	p.stopped = true
	p.synced.Broadcast()
	_ = syscall.Close(p.wakeR)
	_ = syscall.Close(p.wakeW)
	p.mu.Unlock()
}

// FilePipe adapts the read end of a pipe (from os.Pipe or
// exec.Cmd.StderrPipe) to a [Pipe]: Detach duplicates its descriptor and
// closes f. Observe and Drained do nothing.
func FilePipe(f *os.File) Pipe { return filePipe{f} }

type filePipe struct{ f *os.File }

func (fp filePipe) Detach() (int, error) {
	fd, err := osfd.Detach(fp.f)
	if err != nil {
		return -1, fmt.Errorf("parse: %w", err)
	}
	return fd, nil
}

func (filePipe) Observe([]byte) {}
func (filePipe) Drained()       {}
