package loadtest

import (
	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
	"github.com/hlsswarm/hlsswarm/internal/pump"
)

// pipe parses one ffmpeg run's stderr and progress pipes into sink until
// both are drained, and closes them. It returns at once; the fleet's
// WaitGroup covers the reading, so that no goroutine outlives Stop and the
// final counts are complete when shutdown reads them.
//
// With the fleet's poller (Linux), one goroutine reads every viewer's
// pipes; elsewhere each run gets a pump.Pipeline (two reader goroutines
// and a parser).
func (f *Fleet) pipe(p *ffmpeg.Process, sink *statsSink) {
	stderr, progress := p.Stderr(), p.Progress()
	if f.poller != nil {
		se, ok1 := stderr.(pump.Pipe)
		pe, ok2 := progress.(pump.Pipe)
		if ok1 && ok2 {
			r, err := f.poller.Add(se, pe, sink)
			if err != nil {
				return // the poller closed: the fleet is stopping, the pipes are closed
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				<-r.Done()
				_ = stderr.Close()
				_ = progress.Close()
			}()
			return
		}
	}
	pl := pump.Start(stderr, progress, sink, pump.Options{RWTimeout: f.cfg.Timeout})
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		_, _ = pl.Wait() // a read error only ends the stream early; its lines are counted
		_ = stderr.Close()
		_ = progress.Close()
	}()
}
