//go:build linux

package pump

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPollerSyncReadsNow: with an Interval far longer than the test, only
// Sync can bring lines in; after it returns, the sink holds every line
// written before the call.
func TestPollerSyncReadsNow(t *testing.T) {
	p := newPoller(t, PollerOptions{Interval: time.Hour})
	ep, ew := newSeqPacket(t)
	s := &lineSink{}
	_, err := p.Add(ep, nil, s)
	require.NoError(t, err)
	for round := range 3 {
		for i := range 4 {
			for _, part := range []string{"[hls @ 0x1] ", fmt.Sprintf("r%d line %d\n", round, i)} {
				_, err := ew.WriteString(part)
				require.NoError(t, err)
			}
		}
		p.Sync()
		// Sync ended a round under the poller's lock: what the sink
		// holds is safe to read here.
		assert.Len(t, s.lines, 4*(round+1), "round %d", round)
	}
	assert.Equal(t, "[hls @ 0x1] r2 line 3", s.lines[len(s.lines)-1])
}

// TestPollerSyncIdleAndConcurrent: Sync returns with nothing to read, from
// many goroutines at once, and after Close.
func TestPollerSyncIdleAndConcurrent(t *testing.T) {
	p := newPoller(t, PollerOptions{Interval: time.Hour})
	ep, _ := newSeqPacket(t)
	_, err := p.Add(ep, nil, &lineSink{})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				p.Sync()
			}
		})
	}
	wg.Wait()
	require.NoError(t, p.Close())
	p.Sync() // returns at once
}

// TestPollerHangUpEndsPause: a stream's end is read as soon as its writer
// closes, not at the next Interval, so that a viewer's exit is not held up
// by a long pause.
func TestPollerHangUpEndsPause(t *testing.T) {
	p := newPoller(t, PollerOptions{Interval: time.Hour})
	ep, ew := newSeqPacket(t)
	s := &lineSink{}
	_, err := ew.WriteString("[x] first\n")
	require.NoError(t, err)
	r, err := p.Add(ep, nil, s)
	require.NoError(t, err)
	p.Sync() // the poller now pauses for an hour
	_, err = ew.WriteString("[x] last\n")
	require.NoError(t, err)
	require.NoError(t, ew.Close())
	ended := make(chan struct{})
	go func() {
		_, _ = r.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream's end waited for the next Interval")
	}
	assert.Equal(t, []string{"[x] first", "[x] last"}, s.lines)
	waitDrained(t, ep)
}

// batchPipe is a recPipe that takes a round's messages in one call.
type batchPipe struct {
	*recPipe
	calls, single int
}

func (p *batchPipe) ObserveBatch(msgs [][]byte) {
	p.calls++
	for _, m := range msgs {
		p.recPipe.Observe(m)
	}
}

func (p *batchPipe) Observe(b []byte) { p.single++; p.recPipe.Observe(b) }

// TestPollerObserveBatch: a BatchObserver pipe of a socket stream sees
// every message in order, a recvmmsg's worth per call.
func TestPollerObserveBatch(t *testing.T) {
	p := newPoller(t, PollerOptions{Interval: time.Hour})
	rp, ew := newSeqPacket(t)
	bp := &batchPipe{recPipe: rp}
	var msgs []string
	for i := range 100 {
		msgs = append(msgs, "[tcp @ 0x2] ", fmt.Sprintf("line %d\n", i))
	}
	c := readWritten(t, p, bp, ew, &lineSink{}, msgs...)
	assert.Equal(t, uint64(100), c.StderrRead)
	waitDrained(t, rp)
	assert.Equal(t, strings.Join(msgs, ""), rp.observed.String())
	assert.Zero(t, bp.single)
	assert.GreaterOrEqual(t, bp.calls, 200/msgSlots)
	assert.Less(t, bp.calls, 200/msgSlots+3)
}

// TestPollerSyncManyStreams: one round reads every stream with data, even
// more than one epoll_wait's first buffer holds, so Sync holds for a
// fleet of hundreds.
func TestPollerSyncManyStreams(t *testing.T) {
	const n = 300
	p := newPoller(t, PollerOptions{Interval: time.Hour})
	sinks := make([]*lineSink, n)
	writers := make([]*os.File, n)
	for i := range n {
		rp, w := newSeqPacket(t)
		sinks[i], writers[i] = &lineSink{}, w
		_, err := p.Add(rp, nil, sinks[i])
		require.NoError(t, err)
	}
	p.Sync()
	for i, w := range writers {
		_, err := fmt.Fprintf(w, "[x] viewer %d\n", i)
		require.NoError(t, err)
	}
	p.Sync()
	for i, s := range sinks {
		require.Equal(t, []string{fmt.Sprintf("[x] viewer %d", i)}, s.lines, "viewer %d", i)
	}
}
