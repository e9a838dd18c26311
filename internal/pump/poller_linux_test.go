//go:build linux

package pump

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// recPipe is a FilePipe that records what the Pipe interface sees.
type recPipe struct {
	Pipe
	mu       sync.Mutex
	observed bytes.Buffer
	drained  atomic.Int32
}

func (p *recPipe) Observe(b []byte) {
	p.mu.Lock()
	p.observed.Write(b)
	p.mu.Unlock()
}

func (p *recPipe) Drained() { p.drained.Add(1) }

// waitDrained waits until p was told once that it was drained: a Reader
// ends just before its pipes are told.
func waitDrained(t *testing.T, p *recPipe) {
	t.Helper()
	assert.Eventually(t, func() bool { return p.drained.Load() == 1 }, 2*time.Second, time.Millisecond)
	assert.Equal(t, int32(1), p.drained.Load())
}

// newPipe returns a pipe whose read end is ready for a Poller.
func newPipe(t *testing.T) (*recPipe, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	return &recPipe{Pipe: FilePipe(r)}, w
}

func newPoller(t *testing.T, opts PollerOptions) *Poller {
	t.Helper()
	p, err := NewPoller(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// readWritten writes msgs to w (a write each) and closes it, then reads
// the stream (pipe, w's read end) through p into s to its end.
func readWritten(t *testing.T, p *Poller, pipe Pipe, w *os.File, s parse.Sink, msgs ...string) Counts {
	t.Helper()
	for _, m := range msgs {
		_, err := w.WriteString(m)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	r, err := p.Add(pipe, nil, s)
	require.NoError(t, err)
	c, err := r.Wait()
	require.NoError(t, err)
	return c
}

func TestPollerSplitsCountsAndDrainsTail(t *testing.T) {
	p := newPoller(t, PollerOptions{})
	ep, ew := newPipe(t)
	pp, pw := newPipe(t)
	s := &lineSink{}
	r, err := p.Add(ep, pp, s)
	require.NoError(t, err)

	var want strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&want, "[x] %d\r\n", i)
	}
	want.WriteString("a\rb\r\nc\n\rd\r\r\ne\n")
	want.WriteString("[x] tail without newline")
	data := want.String()
	// Odd-sized writes split lines and "\r\n" pairs across reads.
	go func() {
		for len(data) > 0 {
			k := min(len(data), 997)
			_, _ = ew.Write([]byte(data[:k]))
			data = data[k:]
		}
		_ = ew.Close()
	}()
	_, err = pw.WriteString("frame=1\nprogress=end")
	require.NoError(t, err)
	require.NoError(t, pw.Close())

	c, err := r.Wait()
	require.NoError(t, err)
	const lines = 3000 + 7 + 1 // numbered, the terminator mix, the tail
	assert.Equal(t, uint64(lines), c.StderrRead)
	assert.Zero(t, c.StderrDropped)
	assert.Equal(t, uint64(2), c.ProgressRead)
	require.Len(t, s.lines, 3000+5+1, "empty lines are not unknown lines")
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, s.lines[3000:3005])
	assert.Equal(t, "[x] tail without newline", s.lines[3005])
	assert.Equal(t, [2]uint64{2, lines}, s.read, "Sink.Lines increments add up (progress, stderr)")
	assert.Equal(t, want.String(), ep.observed.String(), "Observe saw every byte in order")
	waitDrained(t, ep)
	waitDrained(t, pp)
	assert.Equal(t, c, r.Counts())
}

func TestPollerLongLineIsCutAndCountedOnce(t *testing.T) {
	p := newPoller(t, PollerOptions{ReadSize: 64})
	ep, ew := newPipe(t)
	s := &lineSink{}
	long := "[x] " + strings.Repeat("y", 300)
	c := readWritten(t, p, ep, ew, s, long+"\n[x] next\n")
	assert.Equal(t, uint64(2), c.StderrRead)
	assert.Equal(t, []string{long[:64], "[x] next"}, s.lines)
}

// TestPollerLineBudgetDropsWholeLines: a round that reads more lines than
// the budget parses the budget's worth, drops the rest whole and counts
// them; every line is parsed or counted as dropped.
func TestPollerLineBudgetDropsWholeLines(t *testing.T) {
	p := newPoller(t, PollerOptions{LineBudget: 10})
	ep, ew := newPipe(t)
	s := &lineSink{}
	var b strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "[x] line %d\n", i)
	}
	c := readWritten(t, p, ep, ew, s, b.String()) // all in the pipe before the first round
	assert.Equal(t, uint64(100), c.StderrRead)
	assert.Equal(t, uint64(90), c.StderrDropped)
	assert.Len(t, s.lines, 10)
	for i, l := range s.lines {
		assert.Equal(t, fmt.Sprintf("[x] line %d", i), l)
	}
	assert.Equal(t, uint64(90), s.dropped[parse.StreamStderr])
}

// TestPollerManyViewers runs many streams (pipes, then sockets) with
// random writes through one poller, with a sink that stalls at random, and
// checks every line.
func TestPollerManyViewers(t *testing.T) {
	t.Run("pipes", func(t *testing.T) { testPollerManyViewers(t, newPipe) })
	t.Run("sockets", func(t *testing.T) { testPollerManyViewers(t, newSeqPacket) })
}

func testPollerManyViewers(t *testing.T, newStream func(*testing.T) (*recPipe, *os.File)) {
	const viewers, n = 20, 1000
	p := newPoller(t, PollerOptions{Interval: 10 * time.Millisecond})
	var wg sync.WaitGroup
	readers := make([]*Reader, viewers)
	sinks := make([]*checkSink, viewers)
	for v := range readers {
		ep, ew := newStream(t)
		sinks[v] = &checkSink{t: t, rng: rand.New(rand.NewSource(int64(v))), last: -1}
		r, err := p.Add(ep, nil, sinks[v])
		require.NoError(t, err)
		readers[v] = r
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			var want bytes.Buffer
			for i := 0; i < n; i++ {
				fmt.Fprintf(&want, "[x] %d %s\n", i, strings.Repeat(string(rune('a'+i%26)), rng.Intn(120)))
			}
			data := want.Bytes()
			for len(data) > 0 {
				k := min(len(data), 1+rng.Intn(700))
				_, _ = ew.Write(data[:k])
				data = data[k:]
				if rng.Intn(20) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			_ = ew.Close()
		}(int64(v) + 100)
	}
	wg.Wait()
	for v, r := range readers {
		c, err := r.Wait()
		require.NoError(t, err)
		assert.Equal(t, uint64(n), c.StderrRead, "viewer %d", v)
		assert.Zero(t, c.StderrDropped, "viewer %d", v)
		assert.Equal(t, n, sinks[v].got, "viewer %d", v)
	}
}

// TestPollerCloseEndsOpenReaders: Close reads what is there, ends the
// Readers whose writers are still open, and later Adds fail.
func TestPollerCloseEndsOpenReaders(t *testing.T) {
	p, err := NewPoller(PollerOptions{})
	require.NoError(t, err)
	ep, ew := newPipe(t)
	s := &lineSink{}
	r, err := p.Add(ep, nil, s)
	require.NoError(t, err)
	_, err = ew.WriteString("[x] one\n[x] two")
	require.NoError(t, err)
	require.NoError(t, p.Close())
	c, err := r.Wait()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), c.StderrRead)
	assert.Equal(t, []string{"[x] one", "[x] two"}, s.lines)
	waitDrained(t, ep)
	require.NoError(t, p.Close(), "Close twice")

	ep2, _ := newPipe(t)
	_, err = p.Add(ep2, nil, s)
	require.ErrorIs(t, err, ErrPollerClosed)
	assert.Equal(t, int32(1), ep2.drained.Load(), "a pipe refused is closed and marked drained")
}

type failPipe struct{ drained int }

func (f *failPipe) Detach() (int, error) { return -1, fmt.Errorf("no fd") }
func (f *failPipe) Observe([]byte)       {}
func (f *failPipe) Drained()             { f.drained++ }

func TestPollerDetachErrorEndsTheStream(t *testing.T) {
	p := newPoller(t, PollerOptions{})
	pp, pw := newPipe(t)
	fp := &failPipe{}
	var tl parse.Tally
	r, err := p.Add(fp, pp, &tl)
	require.NoError(t, err)
	_, err = pw.WriteString("out_time_us=1000000\nprogress=end\n")
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	c, err := r.Wait()
	require.ErrorContains(t, err, "no fd")
	assert.Equal(t, 1, fp.drained)
	assert.Equal(t, uint64(2), c.ProgressRead)
	assert.True(t, tl.LastProgress.End)
}

// TestPollerStampsAtRead: a line is stamped when the round that read it
// ran, never before the write, and with the default interval soon after.
func TestPollerStampsAtRead(t *testing.T) {
	p := newPoller(t, PollerOptions{})
	ep, ew := newPipe(t)
	s := &stampSink{}
	r, err := p.Add(ep, nil, s)
	require.NoError(t, err)
	var wrote []time.Time
	for i := 0; i < 5; i++ {
		time.Sleep(20 * time.Millisecond)
		wrote = append(wrote, time.Now())
		_, err := fmt.Fprintf(ew, "[x] %d\n", i)
		require.NoError(t, err)
	}
	require.NoError(t, ew.Close())
	_, err = r.Wait()
	require.NoError(t, err)
	require.Len(t, s.at, 5)
	for i, at := range s.at {
		assert.False(t, at.Before(wrote[i]), "line %d stamped before it was written", i)
		// A generous bound: a busy CI machine delays the round.
		assert.Less(t, at.Sub(wrote[i]), time.Second, "line %d stamped long after it was written", i)
	}
}

type stampSink struct {
	parse.NopSink
	at []time.Time
}

func (s *stampSink) Unknown(_ []byte, at time.Time) { s.at = append(s.at, at) }

// newSeqPacket returns the ends of a SOCK_SEQPACKET socket pair, as
// internal/ffmpeg gives ffmpeg for its outputs on Linux.
func newSeqPacket(t *testing.T) (*recPipe, *os.File) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, syscall.SetNonblock(fds[0], true))
	w := os.NewFile(uintptr(fds[1]), "w")
	t.Cleanup(func() { _ = w.Close() })
	return &recPipe{Pipe: FilePipe(os.NewFile(uintptr(fds[0]), "r"))}, w
}

// TestPollerSocketStampsAtWrite: on a SOCK_SEQPACKET socket each line is
// stamped with the time its last part was written (the kernel's), not
// when a round read it, however far apart the rounds are; lines written
// in parts (ffmpeg writes prefix, level and message separately) are whole.
func TestPollerSocketStampsAtWrite(t *testing.T) {
	p := newPoller(t, PollerOptions{Interval: 300 * time.Millisecond})
	ep, ew := newSeqPacket(t)
	s := &stampSink{}
	// A first line wakes the poller, which then pauses 300 ms.
	_, err := ew.WriteString("[x] wake\n")
	require.NoError(t, err)
	r, err := p.Add(ep, nil, s)
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	var wrote []time.Time
	for i := 0; i < 5; i++ {
		for _, part := range []string{"[http @ 0x1] ", "[debug] ", fmt.Sprintf("line %d\n", i)} {
			_, err := ew.WriteString(part)
			require.NoError(t, err)
		}
		wrote = append(wrote, time.Now())
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, ew.Close())
	c, err := r.Wait()
	require.NoError(t, err)
	assert.Equal(t, uint64(6), c.StderrRead)
	require.Len(t, s.at, 6)
	for i, at := range s.at[1:] {
		d := at.Sub(wrote[i])
		assert.True(t, d > -5*time.Millisecond && d < 5*time.Millisecond,
			"line %d stamped %s from its write; want the write time, not the round's (300 ms apart)", i, d)
	}
	want := "[x] wake\n"
	for i := 0; i < 5; i++ {
		want += fmt.Sprintf("[http @ 0x1] [debug] line %d\n", i)
	}
	assert.Equal(t, want, ep.observed.String())
	waitDrained(t, ep)
}

// TestPollerSocketTruncatedMessage: a message longer than the receive
// slot loses its end; its line is cut and counted once, and the next line
// is whole.
func TestPollerSocketTruncatedMessage(t *testing.T) {
	p := newPoller(t, PollerOptions{})
	ep, ew := newSeqPacket(t)
	s := &lineSink{}
	long := "[x] " + strings.Repeat("y", msgSlotSize+100) + "\n"
	c := readWritten(t, p, ep, ew, s, "[x] first\n", long, "[x] next\n")
	assert.Equal(t, uint64(3), c.StderrRead)
	require.Len(t, s.lines, 3)
	assert.Equal(t, "[x] first", s.lines[0])
	assert.Equal(t, long[:msgSlotSize], s.lines[1])
	assert.Equal(t, "[x] next", s.lines[2])
}
