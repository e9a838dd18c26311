package loadtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
)

// viewer is one supervised ffmpeg viewer of a fleet.
type viewer struct {
	id     int
	cancel context.CancelFunc
	done   chan struct{} // closed when its last process is reaped and drained
}

// stopOptions make a fleet stop fast: a live viewer waiting for its next
// playlist reload ignores the first SIGTERM, so the second follows soon
// (ffmpeg exits promptly on it), and SIGKILL bounds a stuck one; a shorter
// wait than ffmpeg.Options' defaults is safe because the stats never depend
// on what ffmpeg prints at exit.
func stopOptions() ffmpeg.Options {
	return ffmpeg.Options{SecondTermAfter: 150 * time.Millisecond, KillAfter: 700 * time.Millisecond}
}

// viewerSpec turns the fleet's configuration into ffmpeg's viewer
// description for client id, playing pl (chosen at start) of a live or VOD
// stream.
func viewerSpec(cfg Config, pl play, id int, live bool) ffmpeg.Viewer {
	names := make([]string, 0, len(cfg.Headers))
	for n := range cfg.Headers {
		names = append(names, n)
	}
	sort.Strings(names)
	headers := make([]ffmpeg.Header, 0, len(names))
	for _, n := range names {
		headers = append(headers, ffmpeg.Header{Name: n, Value: cfg.Headers[n]})
	}
	return ffmpeg.Viewer{
		URL: pl.url, AudioURL: pl.audio, Client: id, RunID: cfg.RunID, Shard: cfg.Shard.Index, UserAgent: cfg.UserAgent, Headers: headers, Map: pl.m,
		RWTimeout: cfg.Timeout, Reconnect: cfg.Reconnect, KeepAlive: keepAliveOf(cfg.KeepAlive),
		Realtime: !live && cfg.VOD != VODDownload,
	}
}

func restartPolicyOf(p RestartPolicy) ffmpeg.RestartPolicy {
	switch p {
	case RestartNever:
		return ffmpeg.RestartNever
	case RestartAlways:
		return ffmpeg.RestartAlways
	}
	return ffmpeg.RestartOnFailure
}

// launch starts viewer id under the fleet's context. The caller holds f.mu.
func (f *Fleet) launch(id int) *viewer {
	if f.native != nil {
		return f.launchNative(id)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	v := &viewer{id: id, cancel: cancel, done: make(chan struct{})}
	st := f.agg.AddViewer(id)
	args, err := f.bin.Args(viewerSpec(f.cfg, playFor(f.plays, id), id, f.live))
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(v.done)
		defer cancel()
		if err != nil { // validated up front, so this is a bug if it happens
			f.recordExit(id, ffmpeg.ExitStartFailed.String(), fmt.Sprintf("ffmpeg arguments: %v", err))
			f.markUnstarted(id)
			return
		}
		started, refused, replayNext := false, false, false
		_, err := ffmpeg.Supervise(ctx, ffmpeg.Supervision{
			Path:    f.bin.Path,
			Args:    args,
			Options: stopOptions(),
			Policy:  restartPolicyOf(f.cfg.RestartPolicy),
			Live:    f.live,
			Replay:  f.cfg.VOD != VODDownload,
			Seed:    uint64(f.cfg.Seed)*1_000_003 + uint64(id),
			OnStart: func(run int, p *ffmpeg.Process) {
				started = true
				switch {
				case run > 0 && replayNext:
					f.mu.Lock()
					f.replays++
					f.mu.Unlock()
				case run > 0:
					st.AddRestart()
				}
				st.Started(p.Started())
				f.pipe(p, &statsSink{v: st, startLatency: &f.startLatency, spawned: p.Started()})
			},
			OnExit: func(_ int, e ffmpeg.Exit) {
				st.Ended(time.Now())
				if e.Kind == ffmpeg.ExitStartFailed && ctx.Err() != nil {
					// The fleet stopped between the supervisor's check and
					// the start: not a failure of ffmpeg.
					f.recordExit(id, ffmpeg.ExitStopped.String(), "")
					return
				}
				refused = refused || e.Kind == ffmpeg.ExitStartFailed
				replayNext = !f.live && e.Kind == ffmpeg.ExitClean && f.cfg.VOD != VODDownload
				if f.live && e.Kind == ffmpeg.ExitClean {
					f.recordExit(id, exitEndedEarly, endedEarlyText(e))
					return
				}
				f.recordExit(id, e.Kind.String(), exitText(e))
			},
		})
		if err != nil {
			f.recordExit(id, ffmpeg.ExitStartFailed.String(), err.Error())
			refused = true
		}
		if refused && !started {
			f.markUnstarted(id)
		}
	}()
	return v
}

// markUnstarted records that viewer id never ran: Result leaves it out of
// its counts and rows, and the run fails (see runProblems).
func (f *Fleet) markUnstarted(id int) {
	f.mu.Lock()
	f.unstarted[id] = true
	f.mu.Unlock()
}

// recordExit counts a viewer exit by class and logs a failing viewer's
// ffmpeg error text once per distinct message.
//
// It logs outside f.mu: writing a test log can wait on the test's output,
// and the control loop and the ramp take f.mu.
func (f *Fleet) recordExit(id int, class, errText string) {
	f.mu.Lock()
	f.exits[class]++
	if errText == "" || f.seenErrors[errText] {
		f.mu.Unlock()
		return
	}
	f.seenErrors[errText] = true
	if class == ffmpeg.ExitStartFailed.String() && len(f.startFailures) < 20 {
		f.startFailures = append(f.startFailures, errText)
	}
	if len(f.startErrors) < 20 {
		f.startErrors = append(f.startErrors, errText)
	}
	f.mu.Unlock()
	if f.ctx.Err() == nil {
		f.t.Logf("loadtest: viewer %d: ffmpeg failed (each distinct error is logged once): %s", id, errText)
	}
}

// exitEndedEarly is the exit class of a viewer of a live stream whose
// ffmpeg exited with status 0 before the fleet stopped it: the stream
// failed it (ffmpeg 5.1 ends on a single failed playlist reload without
// keep-alive, for example), it did not play to an end.
const exitEndedEarly = "ended-early"

// endedEarlyText is the message of an ended-early exit, with ffmpeg's
// warnings and errors from the end of its log.
func endedEarlyText(e ffmpeg.Exit) string {
	return withTail("ffmpeg ended early (exit status 0 before the fleet stopped; the stream is live)", e)
}

// exitText is the error text of a failed exit, without the pid and the
// run time, so that the same failure of many viewers reads the same; ""
// for a clean or stopped exit.
func exitText(e ffmpeg.Exit) string {
	switch e.Kind {
	case ffmpeg.ExitClean, ffmpeg.ExitStopped:
		return ""
	case ffmpeg.ExitStartFailed:
		return fmt.Sprintf("ffmpeg did not start: %v", e.StartErr)
	}
	how := fmt.Sprintf("exit status %d", e.Code)
	if e.Signal != 0 {
		how = fmt.Sprintf("signal %v", e.Signal)
	}
	return withTail("ffmpeg "+e.Kind.String()+" ("+how+")", e)
}

// withTail is head followed by the last lines of e's log that matter.
func withTail(head string, e ffmpeg.Exit) string {
	tail := explainingLines(e.Tail)
	if len(tail) == 0 {
		return head
	}
	return head + "; last stderr lines:\n\t" + strings.Join(tail, "\n\t")
}

// stripPointers removes " @ 0x<hex>" from a log line.
func stripPointers(line string) string {
	for {
		i := strings.Index(line, " @ 0x")
		if i < 0 {
			return line
		}
		j := i + len(" @ 0x")
		for j < len(line) && strings.IndexByte("0123456789abcdefABCDEF", line[j]) >= 0 {
			j++
		}
		line = line[:i] + line[j:]
	}
}
