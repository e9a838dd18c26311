//go:build linux

package parse

import (
	"fmt"
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
