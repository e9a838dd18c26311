package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// RestartPolicy says when a supervised viewer is started again.
type RestartPolicy int

// The restart policies.
const (
	// RestartNever: the first exit ends the supervision.
	RestartNever RestartPolicy = iota
	// RestartOnFailure: restart after a failure (error status, foreign
	// signal, failed start), not after a clean exit, unless
	// Supervision.Live says the stream has no end.
	RestartOnFailure
	// RestartAlways: restart after any exit but a stop; loops a VOD.
	RestartAlways
)

// String returns the policy's configuration name.
func (p RestartPolicy) String() string {
	switch p {
	case RestartNever:
		return "never"
	case RestartOnFailure:
		return "on-failure"
	case RestartAlways:
		return "always"
	}
	return fmt.Sprintf("RestartPolicy(%d)", int(p))
}

// ParseRestartPolicy returns the policy named s: "never", "on-failure" or
// "always".
func ParseRestartPolicy(s string) (RestartPolicy, error) {
	for p := RestartNever; p <= RestartAlways; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("restart policy %q: accepted values are never, on-failure, always", s)
}

// Defaults of the Backoff fields whose zero value means "default".
const (
	DefaultBackoffInitial    = 250 * time.Millisecond
	DefaultBackoffMax        = 10 * time.Second
	DefaultBackoffMultiplier = 2.0
	DefaultBackoffJitter     = 0.2
	DefaultBackoffResetAfter = 30 * time.Second
)

// Backoff is the delay between restarts. After the k-th failure in a row the
// delay is Initial*Multiplier^(k-1), capped at Max, times a random factor in
// [1-Jitter, 1+Jitter] (and capped at Max again). A run that lasts
// ResetAfter or longer, or a clean exit, resets the count; a clean exit
// under RestartAlways restarts after Initial (with jitter).
type Backoff struct {
	Initial    time.Duration // default 250ms
	Max        time.Duration // default 10s
	Multiplier float64       // default 2
	Jitter     float64       // default 0.2; at most 1
	ResetAfter time.Duration // default 30s
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial == 0 {
		b.Initial = DefaultBackoffInitial
	}
	if b.Max == 0 {
		b.Max = DefaultBackoffMax
	}
	if b.Multiplier == 0 {
		b.Multiplier = DefaultBackoffMultiplier
	}
	if b.Jitter == 0 {
		b.Jitter = DefaultBackoffJitter
	}
	if b.ResetAfter == 0 {
		b.ResetAfter = DefaultBackoffResetAfter
	}
	return b
}

// Supervision describes one supervised viewer.
type Supervision struct {
	// Path and Args are the ffmpeg binary and its arguments ([Binary.Path],
	// [Binary.Args]). Required.
	Path string
	Args []string
	// Options tune each process (stop escalation, drain timeout, tail).
	Options Options
	// Policy says when to restart. Default RestartNever (the zero value).
	Policy RestartPolicy
	// Live says the stream has no end (a live playlist, without
	// #EXT-X-ENDLIST): a clean exit before ctx is done is then a failure
	// of the stream, not the end of play. RestartOnFailure restarts it,
	// and the backoff counts it as a failure. Default false.
	Live bool
	// Replay starts a viewer of a VOD (not Live) again at once, whatever
	// the Policy, when it played to the end (a clean exit): the next
	// member of the audience. Default false.
	Replay bool
	// MaxRestarts limits the restarts; 0 means no limit.
	MaxRestarts int
	// Backoff is the delay between restarts.
	Backoff Backoff
	// Seed seeds the backoff jitter (give each viewer its own, e.g. fleet
	// seed + viewer number), so that a run is repeatable.
	Seed uint64
	// OnStart is called with every new process, run 0 first and then each
	// restart, before Supervise waits for it. It must arrange for
	// p.Stderr() and p.Progress() to be read to end of file and closed
	// (typically: start the parser goroutines) and must not block. Count
	// restarts here (run > 0). Nil: the pipes are discarded.
	OnStart func(run int, p *Process)
	// OnExit is called after each run ended, once its pipes were drained
	// (or Options.DrainTimeout passed), so that Exit.Tail is complete. A
	// start that failed is reported here with ExitStartFailed.
	OnExit func(run int, e Exit)
}

// Summary is what Supervise did.
type Summary struct {
	// Starts counts start attempts (including failed ones); Restarts is
	// Starts-1 (or 0).
	Starts, Restarts int
	// Exits counts the runs by ExitKind.
	Exits [ExitStartFailed + 1]int
	// Last is the last run's exit.
	Last Exit
	// Reason says why supervision ended: "context", "policy", "max
	// restarts" or "start failed" (a start that failed is never retried).
	Reason string
}

func (s Supervision) validate() error {
	var errs []error
	if s.Path == "" {
		errs = append(errs, errors.New("Supervision.Path: empty; want the ffmpeg binary from Locate"))
	}
	if s.Policy < RestartNever || s.Policy > RestartAlways {
		errs = append(errs, fmt.Errorf("Supervision.Policy = %d: accepted values are never, on-failure, always", int(s.Policy)))
	}
	if s.MaxRestarts < 0 {
		errs = append(errs, fmt.Errorf("Supervision.MaxRestarts = %d: must be >= 0 (0 means no limit)", s.MaxRestarts))
	}
	b := s.Backoff
	if b.Initial < 0 || b.Max < 0 || b.ResetAfter < 0 {
		errs = append(errs, fmt.Errorf("Supervision.Backoff %+v: durations must be >= 0 (0 means the default)", b))
	}
	if b.Multiplier != 0 && b.Multiplier < 1 || math.IsNaN(b.Multiplier) || math.IsInf(b.Multiplier, 0) {
		errs = append(errs, fmt.Errorf("Supervision.Backoff.Multiplier = %v: must be >= 1 (0 means 2)", b.Multiplier))
	}
	if b.Jitter < 0 || b.Jitter > 1 || math.IsNaN(b.Jitter) {
		errs = append(errs, fmt.Errorf("Supervision.Backoff.Jitter = %v: must be in [0, 1] (0 means 0.2)", b.Jitter))
	}
	return errors.Join(errs...)
}

// Supervise runs one viewer until ctx is done, the policy says not to
// restart, or MaxRestarts is reached; it blocks until the last process has
// exited and been reaped. Cancelling ctx stops the current process (see
// [Process.Stop]) and ends a backoff wait at once. The error is non-nil only
// for an invalid Supervision.
func Supervise(ctx context.Context, s Supervision) (Summary, error) {
	if err := s.validate(); err != nil {
		return Summary{}, err
	}
	b := s.Backoff.withDefaults()
	rng := rand.New(rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15))
	var sum Summary
	streak := 0 // failures in a row
	for run := 0; ; run++ {
		if ctx.Err() != nil {
			sum.Reason = "context"
			return sum, nil
		}
		e := runOnce(ctx, s, run)
		if e.Kind == ExitStartFailed && ctx.Err() != nil {
			// Not a failure of ffmpeg: the start raced with the cancel.
			sum.Reason = "context"
			return sum, nil
		}
		sum.Starts++
		sum.Restarts = sum.Starts - 1
		sum.Exits[e.Kind]++
		sum.Last = e
		if s.OnExit != nil {
			s.OnExit(run, e)
		}
		if ctx.Err() != nil {
			sum.Reason = "context"
			return sum, nil
		}
		if e.Kind == ExitStartFailed {
			// The OS refused the start (no such binary, too many open
			// files, no memory): another try would only take more of
			// what ran out. The caller reports it.
			sum.Reason = "start failed"
			return sum, nil
		}
		restart := false
		switch s.Policy {
		case RestartOnFailure:
			restart = s.failed(e)
		case RestartAlways:
			restart = e.Kind != ExitStopped
		}
		replay := s.Replay && !s.Live && e.Kind == ExitClean
		if !restart && !replay {
			sum.Reason = "policy"
			return sum, nil
		}
		if s.MaxRestarts > 0 && sum.Restarts >= s.MaxRestarts {
			sum.Reason = "max restarts"
			return sum, nil
		}
		streak = b.nextStreak(streak, s.failed(e), e.Runtime)
		if replay {
			continue // no backoff: nothing failed
		}
		delay := b.delay(streak, rng)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			sum.Reason = "context"
			return sum, nil
		case <-t.C:
		}
	}
}

// failed reports whether exit e is a failure: an error exit, or a clean
// exit of a live stream.
func (s Supervision) failed(e Exit) bool {
	return e.Failed() || s.Live && e.Kind == ExitClean
}

// runOnce starts one process, hands it to OnStart and waits for it.
func runOnce(ctx context.Context, s Supervision, run int) Exit {
	opt := s.Options
	if s.OnStart == nil {
		opt.Discard = true
	}
	p, err := Start(ctx, s.Path, s.Args, opt)
	if err != nil {
		return Exit{Kind: ExitStartFailed, Code: -1, StartErr: err}
	}
	if s.OnStart != nil {
		s.OnStart(run, p)
	}
	return p.Wait()
}

// nextStreak returns the count of failures in a row after an exit that
// failed or not after runtime: a success or a run of ResetAfter or longer
// restarts the count.
func (b Backoff) nextStreak(streak int, failed bool, runtime time.Duration) int {
	if !failed || runtime >= b.ResetAfter {
		streak = 0
	}
	if failed {
		streak++
	}
	return streak
}

// delay returns the wait before the next start after streak failures in a
// row (0: after a clean exit).
func (b Backoff) delay(streak int, rng *rand.Rand) time.Duration {
	d := float64(b.Initial)
	if streak > 1 {
		d *= math.Pow(b.Multiplier, float64(streak-1))
	}
	d = math.Min(d, float64(b.Max))
	d *= 1 + b.Jitter*(2*rng.Float64()-1)
	return time.Duration(math.Min(d, float64(b.Max)))
}
