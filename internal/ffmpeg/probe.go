package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Binary is an ffmpeg executable and what a probe found it accepts.
// Arguments are built only from these facts (see [Binary.Args]).
type Binary struct {
	// Path is the absolute path that was probed and is executed.
	Path string
	// Version is the release parsed from `ffmpeg -version`.
	Version Version
	// Libavformat is the libavformat version, e.g. "59.27.100" (empty if
	// not printed); ffmpeg's default User-Agent is "Lavf/" + Libavformat.
	Libavformat string
	// Features lists the options and log flags this binary accepts.
	Features Features
	// ProbeTime is how long the probe took (its commands run concurrently).
	ProbeTime time.Duration
}

// Features records which options and log flags an ffmpeg binary accepts, as
// found by the probe. The zero value means "nothing optional".
type Features struct {
	// LogLevelPrefix: the "level" loglevel flag, which prefixes each line
	// with its level, e.g. "[debug]". Args does not ask for it (a line
	// would take three writes rather than two).
	LogLevelPrefix bool
	// LogDatetime: the "datetime" loglevel flag (not in 5.1).
	LogDatetime bool
	// StatsPeriod: the -stats_period tool option (4.4+).
	StatsPeriod bool
	// RWTimeout: the -rw_timeout protocol option.
	RWTimeout bool
	// ProtocolWhitelist: the -protocol_whitelist format option.
	ProtocolWhitelist bool
	// Reconnect options of the http protocol. In 5.1 they do not reach the
	// requests the hls demuxer makes; they still apply to the -i URL.
	Reconnect, ReconnectStreamed, ReconnectOnNetworkError, ReconnectOnHTTPError, ReconnectDelayMax bool
	// SegMaxRetry: the hls demuxer's -seg_max_retry option.
	SegMaxRetry bool
	// HTTPPersistent: the hls demuxer's -http_persistent option.
	HTTPPersistent bool
	// LiveStartIndex: the hls demuxer's -live_start_index option.
	LiveStartIndex bool
	// Protocols is the set of input protocols the binary was built with
	// (http, https, tls, crypto, tcp, ...).
	Protocols map[string]bool
}

// probeTimeout bounds the probe (its commands run concurrently).
const probeTimeout = 20 * time.Second

// probeWaitDelay bounds how long a probe command's output pipe is waited
// for once the command exited or was killed: a wrapper script whose
// background child keeps stdout open would otherwise hold the probe until
// that child exits.
const probeWaitDelay = time.Second

// Prober probes ffmpeg binaries and caches the result per binary (path,
// size and modification time), so that a fleet probes once. The zero value
// is ready to use; a Prober is safe for concurrent use, and concurrent
// probes of the same binary share one run. Failures that say nothing about
// the binary (a timeout, no file descriptor left, the caller's context
// ending) are not cached.
type Prober struct {
	mu    sync.Mutex
	cache map[binaryKey]*probeCall
	// timeout replaces probeTimeout when > 0 (tests).
	timeout time.Duration
}

// transientError marks a probe failure that is no fact about the binary
// (a timeout, EMFILE): the Prober does not cache it.
type transientError struct{ error }

func (e transientError) Unwrap() error { return e.error }

type binaryKey struct {
	path  string
	size  int64
	mtime time.Time
}

type probeCall struct {
	done chan struct{}
	bin  *Binary
	err  error
}

// Probe runs path (as returned by [Locate]) with -version, -h full,
// -protocols and a loglevel check, and returns what it accepts. The result
// is cached until the file changes. The error wraps [ErrTooOld] for ffmpeg
// older than 4.1 and says what was found and how to get a usable one.
func (p *Prober) Probe(ctx context.Context, path string) (*Binary, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg path %q: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v; %s", ErrNotFound, err, installHint)
	}
	key := binaryKey{path: abs, size: fi.Size(), mtime: fi.ModTime()}

	p.mu.Lock()
	if p.cache == nil {
		p.cache = make(map[binaryKey]*probeCall)
	}
	if c, ok := p.cache[key]; ok {
		p.mu.Unlock()
		select {
		case <-c.done:
			return c.bin, c.err
		case <-ctx.Done():
			return nil, fmt.Errorf("probe %s: %w", abs, ctx.Err())
		}
	}
	c := &probeCall{done: make(chan struct{})}
	p.cache[key] = c
	p.mu.Unlock()

	timeout := p.timeout
	if timeout <= 0 {
		timeout = probeTimeout
	}
	c.bin, c.err = probe(ctx, abs, timeout)
	var te transientError
	if c.err != nil && (ctx.Err() != nil || errors.As(c.err, &te)) {
		// Do not cache a probe cut short by the caller or the machine.
		p.mu.Lock()
		delete(p.cache, key)
		p.mu.Unlock()
	}
	close(c.done)
	return c.bin, c.err
}

// probe runs the probe commands concurrently and combines their results.
func probe(parent context.Context, path string, timeout time.Duration) (*Binary, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()

	type result struct {
		out []byte
		err error
	}
	run := func(args ...string) <-chan result {
		ch := make(chan result, 1)
		go func() {
			out, err := runProbeCommand(ctx, path, args...)
			ch <- result{out, err}
		}()
		return ch
	}
	verCh := run("-hide_banner", "-version")
	helpCh := run("-hide_banner", "-h", "full")
	protoCh := run("-hide_banner", "-protocols")
	dtCh := run("-hide_banner", "-loglevel", "repeat+level+datetime+quiet", "-version")
	lvCh := run("-hide_banner", "-loglevel", "repeat+level+quiet", "-version")
	ver, help, proto, dt, lv := <-verCh, <-helpCh, <-protoCh, <-dtCh, <-lvCh

	for _, r := range []result{ver, help, proto, dt, lv} {
		if fdExhausted(r.err) {
			return nil, transientError{fmt.Errorf("probe %s: too many open files: raise RLIMIT_NOFILE (ulimit -n) or run fewer viewers: %w", path, r.err)}
		}
	}
	if parent.Err() != nil {
		return nil, fmt.Errorf("probe %s: %w", path, parent.Err())
	}
	if ctx.Err() != nil {
		return nil, transientError{fmt.Errorf("probe %s: no answer within %v (a loaded machine, or a wrapper that does not exit): %w", path, timeout, ctx.Err())}
	}
	if ver.err != nil {
		var ee *exec.ExitError
		if !errors.As(ver.err, &ee) {
			return nil, fmt.Errorf("%w: %s cannot be run: %v; %s", ErrNotFound, path, unwrapExecErr(ver.err), installHint)
		}
	}
	v, lavf, err := parseVersionOutput(string(ver.out))
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w; is it ffmpeg? %s", path, err, installHint)
	}
	if !v.AtLeast(minVersion.Major, minVersion.Minor) {
		return nil, fmt.Errorf("%w: %s is ffmpeg %s, need %s or newer; %s", ErrTooOld, path, v, minVersion, installHint)
	}
	f := parseHelpFull(string(help.out))
	f.Protocols = parseProtocols(string(proto.out))
	f.LogDatetime = dt.err == nil
	f.LogLevelPrefix = lv.err == nil
	if len(f.Protocols) > 0 && !f.Protocols["http"] {
		return nil, fmt.Errorf("%w: %s (ffmpeg %s) was built without the http protocol; %s", ErrTooOld, path, v, installHint)
	}
	return &Binary{Path: path, Version: v, Libavformat: lavf, Features: f, ProbeTime: time.Since(start)}, nil
}

// runProbeCommand runs path with args in a process group of its own and
// returns its combined output. When ctx ends the whole group is killed, so
// that a wrapper's children go with it; WaitDelay closes the pipe of a
// child that escaped the group or outlived a wrapper that exited.
func runProbeCommand(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return signalGroup(cmd.Process, syscall.SIGKILL) }
	cmd.WaitDelay = probeWaitDelay
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		// The command exited 0 but left children holding its output: they
		// are still in its group (so the group id is not reused yet).
		_ = signalGroup(cmd.Process, syscall.SIGKILL)
		err = nil
	}
	return buf.Bytes(), err
}

// fdExhausted reports whether err is EMFILE or ENFILE: the test binary
// (or the system) has no file descriptor left, which is no fact about
// ffmpeg.
func fdExhausted(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// parseHelpFull reads `ffmpeg -h full`: tool options start at column 0
// ("-stats_period time  ..."), AVOptions are indented under a section header
// ("hls demuxer AVOptions:", "http AVOptions:", "URLContext AVOptions:").
func parseHelpFull(out string) Features {
	tool := map[string]bool{}
	sections := map[string]map[string]bool{}
	var cur map[string]bool
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutSuffix(strings.TrimSpace(line), " AVOptions:"); ok && !strings.HasPrefix(line, " ") {
			cur = sections[name]
			if cur == nil {
				cur = map[string]bool{}
				sections[name] = cur
			}
			continue
		}
		if strings.HasPrefix(line, "-") && cur == nil {
			opt, _, _ := strings.Cut(line[1:], " ")
			tool[opt] = true
			continue
		}
		if cur != nil && strings.HasPrefix(line, "  -") {
			opt, _, _ := strings.Cut(strings.TrimSpace(line)[1:], " ")
			cur[opt] = true
		}
	}
	hls := map[string]bool{}
	for name, opts := range sections {
		// "hls demuxer" (5.x+) or "hls,applehttp" (4.x: the demuxer's class
		// name alone); not "hls muxer".
		demuxer := strings.TrimSuffix(name, " demuxer")
		if strings.Contains(demuxer, " ") {
			continue
		}
		for _, n := range strings.Split(demuxer, ",") {
			if n == "hls" {
				for o := range opts {
					hls[o] = true
				}
			}
		}
	}
	http := sections["http"]
	return Features{
		StatsPeriod:             tool["stats_period"],
		RWTimeout:               sections["URLContext"]["rw_timeout"],
		ProtocolWhitelist:       sections["AVFormatContext"]["protocol_whitelist"],
		Reconnect:               http["reconnect"],
		ReconnectStreamed:       http["reconnect_streamed"],
		ReconnectOnNetworkError: http["reconnect_on_network_error"],
		ReconnectOnHTTPError:    http["reconnect_on_http_error"],
		ReconnectDelayMax:       http["reconnect_delay_max"],
		SegMaxRetry:             hls["seg_max_retry"],
		HTTPPersistent:          hls["http_persistent"],
		LiveStartIndex:          hls["live_start_index"],
	}
}

// parseProtocols reads the "Input:" list of `ffmpeg -protocols`.
func parseProtocols(out string) map[string]bool {
	set := map[string]bool{}
	in := false
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "Input:":
			in = true
		case t == "Output:":
			in = false
		case in && t != "":
			set[t] = true
		}
	}
	return set
}
