package ffmpeg

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of the Options fields whose zero value means "default".
const (
	DefaultSecondTermAfter = 500 * time.Millisecond
	DefaultKillAfter       = time.Second
	DefaultDrainTimeout    = 2 * time.Second
	DefaultTailLines       = 10
)

// Options tune how a Process is run and stopped. The zero value selects the
// documented defaults.
type Options struct {
	// SecondTermAfter is the delay from Stop's first SIGTERM to the second
	// one: a viewer blocked in a stalled read ignores the first until the
	// read ends, but exits at once on the second. Default 500ms.
	SecondTermAfter time.Duration
	// KillAfter is the delay from the first SIGTERM to SIGKILL. Default 1s.
	KillAfter time.Duration
	// DrainTimeout bounds how long Wait waits, after the exit, for the
	// caller to drain both pipes to end of file. Default 2s.
	DrainTimeout time.Duration
	// TailLines is how many of the last stderr lines Exit.Tail keeps.
	// Default 10.
	TailLines int
	// Discard makes the Process drain both pipes itself, for callers that
	// do not parse them. Stderr and Progress must then not be read.
	Discard bool
	// Env is added to the environment ffmpeg gets (see [Start]).
	Env []string
}

func (o Options) withDefaults() Options {
	if o.SecondTermAfter <= 0 {
		o.SecondTermAfter = DefaultSecondTermAfter
	}
	if o.KillAfter <= 0 {
		o.KillAfter = DefaultKillAfter
	}
	if o.KillAfter < o.SecondTermAfter {
		o.KillAfter = o.SecondTermAfter
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = DefaultDrainTimeout
	}
	if o.TailLines <= 0 {
		o.TailLines = DefaultTailLines
	}
	return o
}

// Process is one running ffmpeg. It lives in its own process group and, on
// Linux, is killed by the kernel (Pdeathsig SIGKILL) if the thread that
// started it dies, which in Go means when the test binary dies: [Start] must
// not be called from a goroutine locked to its OS thread
// (runtime.LockOSThread) that may exit, or ffmpeg would be killed with that
// thread.
//
// The caller reads [Process.Stderr] and [Process.Progress] until end of file
// and closes them; the Process itself never reads them (unless
// Options.Discard). A Process must be waited for ([Process.Wait] or
// [Process.Stop]).
type Process struct {
	cmd      *exec.Cmd
	opt      Options
	pid      int
	started  time.Time
	stderr   *pipeReader
	progress *pipeReader
	tail     *tailRing
	done     chan struct{} // closed once reaped
	stopCtx  func() bool   // unregisters the context watcher

	mu       sync.Mutex
	reaped   bool
	exitedAt time.Time
	stopping bool
	stopAt   time.Time
	terms    int
	killed   bool

	stopOnce sync.Once
	exitOnce sync.Once
	exit     Exit
}

// Start runs the ffmpeg at path with args (from [Binary.Args]) in its own
// process group, with stdin and stdout on /dev/null, stderr on one pipe and
// file descriptor 3 (ProgressFD, for -progress pipe:3) on another. On Linux
// the "pipes" are SOCK_SEQPACKET Unix socket pairs, whose messages carry
// the time ffmpeg wrote them (see pump.Poller); they read like pipes. The
// environment is the caller's without http_proxy/HTTP_PROXY (traffic goes
// only to the URL given), FFREPORT and forced colours, plus
// AV_LOG_FORCE_NOCOLOR=1 and opt.Env. When ctx is done the process is
// stopped as by [Process.Stop].
func Start(ctx context.Context, path string, args []string, opt Options) (*Process, error) {
	opt = opt.withDefaults()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	errR, errW, err := outputPair()
	if err != nil {
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	progR, progW, err := outputPair()
	if err != nil {
		errR.Close()
		errW.Close()
		return nil, fmt.Errorf("progress pipe: %w", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stderr = errW
	cmd.ExtraFiles = []*os.File{progW} // fd 3 in the child
	cmd.SysProcAttr = sysProcAttr()
	cmd.Env = viewerEnv(os.Environ(), opt.Env)
	err = cmd.Start()
	// The child holds its own copies; ours must go so that EOF comes at exit.
	errW.Close()
	progW.Close()
	if err != nil {
		errR.Close()
		progR.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	p := &Process{
		cmd:     cmd,
		opt:     opt,
		pid:     cmd.Process.Pid,
		started: time.Now(),
		tail:    &tailRing{},
		done:    make(chan struct{}),
	}
	p.stderr = newPipeReader(errR, p.tail)
	p.progress = newPipeReader(progR, nil)
	p.stopCtx = context.AfterFunc(ctx, p.beginStop)
	go p.reap()
	if opt.Discard {
		go drain(p.stderr)
		go drain(p.progress)
	}
	return p, nil
}

func drain(r io.ReadCloser) {
	_, _ = io.Copy(io.Discard, r)
	_ = r.Close()
}

// viewerEnv builds ffmpeg's environment from base and extra.
func viewerEnv(base, extra []string) []string {
	env := make([]string, 0, len(base)+len(extra)+1)
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "http_proxy", "HTTP_PROXY", "FFREPORT", "AV_LOG_FORCE_COLOR", "AV_LOG_FORCE_256COLOR", "AV_LOG_FORCE_NOCOLOR":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "AV_LOG_FORCE_NOCOLOR=1")
	return append(env, extra...)
}

func (p *Process) reap() {
	_ = p.cmd.Wait() // the status is read from cmd.ProcessState
	p.mu.Lock()
	p.reaped = true
	p.exitedAt = time.Now()
	p.mu.Unlock()
	p.stopCtx()
	close(p.done)
}

// Pid returns the process id, which is also its process group id.
func (p *Process) Pid() int { return p.pid }

// Started returns when the process was started.
func (p *Process) Started() time.Time { return p.started }

// Stderr returns ffmpeg's stderr (its log). Read it to end of file, then
// close it. The last lines read are kept for Exit.Tail. The reader also has
// SetReadDeadline(time.Time) error, like *os.File, and on Linux Detach,
// Observe and Drained (see the package documentation).
func (p *Process) Stderr() io.ReadCloser { return p.stderr }

// Progress returns ffmpeg's -progress output (file descriptor 3). Read it to
// end of file, then close it. It has the same methods as Stderr's reader.
func (p *Process) Progress() io.ReadCloser { return p.progress }

// Done returns a channel closed when the process has exited and been
// reaped; its pipes may still hold output to read.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop stops the process group: SIGTERM, a second SIGTERM after
// Options.SecondTermAfter, SIGKILL after Options.KillAfter; then waits as
// [Process.Wait] does. It is safe to call more than once and concurrently.
func (p *Process) Stop() Exit {
	p.beginStop()
	return p.Wait()
}

// beginStop sends the first SIGTERM and starts the escalation; it does not
// wait.
func (p *Process) beginStop() {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		if p.reaped {
			p.mu.Unlock()
			return
		}
		p.stopping = true
		p.stopAt = time.Now()
		p.signalLocked(syscall.SIGTERM)
		p.terms++
		p.mu.Unlock()
		go p.escalate()
	})
}

func (p *Process) escalate() {
	steps := []struct {
		at  time.Duration
		sig syscall.Signal
	}{{p.opt.SecondTermAfter, syscall.SIGTERM}, {p.opt.KillAfter, syscall.SIGKILL}}
	t := time.NewTimer(steps[0].at)
	defer t.Stop()
	for i, s := range steps {
		if i > 0 {
			t.Reset(s.at - steps[i-1].at)
		}
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		p.mu.Lock()
		if !p.reaped {
			p.signalLocked(s.sig)
			if s.sig == syscall.SIGKILL {
				p.killed = true
			} else {
				p.terms++
			}
		}
		p.mu.Unlock()
	}
}

// signalLocked signals the process group; p.mu must be held and the process
// not reaped, so the pid cannot have been reused.
func (p *Process) signalLocked(sig syscall.Signal) {
	_ = signalGroup(p.cmd.Process, sig)
}

// Wait waits for the process to exit, then up to Options.DrainTimeout for
// both pipes to be drained (so that Exit.Tail is complete), and returns how
// it ended. It is safe to call more than once and concurrently.
func (p *Process) Wait() Exit {
	<-p.done
	p.exitOnce.Do(func() {
		undrained := false
		t := time.NewTimer(p.opt.DrainTimeout)
		for _, ch := range []chan struct{}{p.stderr.drained, p.progress.drained} {
			select {
			case <-ch:
			case <-t.C:
				undrained = true
			}
			if undrained {
				break
			}
		}
		t.Stop()
		p.exit = p.classify()
		p.exit.Undrained = undrained
	})
	return p.exit
}

func (p *Process) classify() Exit {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.cmd.ProcessState
	e := Exit{
		Pid:     p.pid,
		Code:    st.ExitCode(),
		Signal:  exitSignal(st),
		Runtime: p.exitedAt.Sub(p.started),
		Terms:   p.terms,
		Killed:  p.killed,
		Tail:    p.tail.lines(p.opt.TailLines),
	}
	if p.stopping {
		e.StopLatency = p.exitedAt.Sub(p.stopAt)
	}
	switch {
	case e.Code == 0:
		e.Kind = ExitClean
	case p.stopping:
		e.Kind = ExitStopped
	case e.Signal != 0:
		e.Kind = ExitSignaled
	default:
		e.Kind = ExitError
	}
	return e
}
