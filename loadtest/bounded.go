package loadtest

import (
	"sync"
	"sync/atomic"
	"time"
)

// Bounds that keep a fleet on schedule under overload. The control loop
// keeps the run's clock (history, live thresholds, progress lines, the
// end); nothing it waits for may hold it longer than these, whatever the
// load on the readers, the origin or the spawner.
const (
	// syncBound is how long the control loop waits for the readers to
	// catch up before a snapshot. A reader round over a thousand viewers
	// on a starved machine can take seconds; past the bound the snapshot
	// is taken as is and the lines not yet read count in the next one.
	syncBound = 500 * time.Millisecond
	// snapshotSyncBound is how long Fleet.Snapshot, called by a test,
	// waits for the readers: longer than the control loop's bound, since
	// a test reading counts wants every line, but bounded, so that a
	// test polling an overloaded fleet is not held by it.
	snapshotSyncBound = 5 * time.Second
	// StopBound is how long a stopping fleet waits for its viewers to end
	// (every ffmpeg is killed 700 ms after its first SIGTERM) and their
	// output to be read. Past it the fleet reports the viewers still
	// stopping, builds its Result without their last lines, and returns:
	// a run ends by Ramp + Duration + StopBound.
	StopBound = 10 * time.Second
)

// syncGate runs at most one reader sync at a time for the control loop, so
// that syncs that outlast their bound do not pile up.
type syncGate struct {
	mu      sync.Mutex
	pending chan struct{} // closed when the sync in flight ends; nil when none
	wg      sync.WaitGroup
	late    atomic.Int64 // syncs that outlasted their bound
}

// syncWithin has the readers catch up (see Fleet.sync) and waits for it
// at most d; it reports whether they did. A sync still running goes on in
// the background and the next call waits for it rather than start another.
func (f *Fleet) syncWithin(d time.Duration) bool {
	g := &f.syncs
	g.mu.Lock()
	ch := g.pending
	if ch == nil {
		ch = make(chan struct{})
		g.pending = ch
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			f.sync()
			g.mu.Lock()
			g.pending = nil
			g.mu.Unlock()
			close(ch)
		}()
	}
	g.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		g.late.Add(1)
		return false
	}
}

// waitWithin waits for wg at most d and reports whether it was done.
// When it was not, a goroutine waits on for it.
func waitWithin(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// stopWithin stops the viewers and waits at most bound for them and for
// the fleet's other goroutines (starters, readers). It returns the ids of
// the viewers still stopping then, and whether everything ended.
func (f *Fleet) stopWithin(vs []*viewer, bound time.Duration) (stuck []int, done bool) {
	deadline := time.Now().Add(bound)
	all := make(chan struct{})
	go func() {
		stopAll(vs)
		close(all)
	}()
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-all:
		return nil, waitWithin(&f.wg, time.Until(deadline))
	case <-t.C:
	}
	for _, v := range vs {
		select {
		case <-v.done:
		default:
			stuck = append(stuck, v.id)
		}
	}
	return stuck, false
}

// stopBounded stops the viewers within StopBound and closes the poller
// once the readers are done. Past the bound it fails the test naming the
// viewers still stopping, leaves the rest to a goroutine, and returns true.
func (f *Fleet) stopBounded(vs []*viewer) (late bool) {
	stuck, done := f.stopWithin(vs, StopBound)
	if done {
		f.closePoller()
		return false
	}
	go func() {
		f.wg.Wait()
		f.closePoller()
	}()
	if len(stuck) > 0 {
		f.t.Errorf("loadtest: %d viewers (ids %v) had not stopped %s after the run ended (StopBound); their ffmpeg was signalled and killed; the Result misses their last output",
			len(stuck), stuck, StopBound)
	} else {
		f.t.Errorf("loadtest: the viewers' output was still being read %s after the run ended (StopBound); the Result misses its end", StopBound)
	}
	return true
}
