package loadtest

import (
	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
	"github.com/hlsswarm/hlsswarm/internal/parse"
)

// pipe starts the parse pipeline over one ffmpeg run's stderr and progress
// pipes, feeding sink, and closes both pipes once they are drained. It
// returns at once; the fleet's WaitGroup covers the pipeline, so that no
// goroutine outlives Stop.
func (f *Fleet) pipe(p *ffmpeg.Process, sink *statsSink) {
	stderr, progress := p.Stderr(), p.Progress()
	pl := parse.Start(stderr, progress, sink, parse.Options{})
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		_, _ = pl.Wait() // a read error only ends the stream early; its lines are counted
		_ = stderr.Close()
		_ = progress.Close()
	}()
}
