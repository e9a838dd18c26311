package ffmpeg

import (
	"fmt"
	"strings"
	"syscall"
	"time"
)

// ExitKind classifies how an ffmpeg process ended.
type ExitKind int

// The exit kinds.
const (
	// ExitClean: exit status 0 (a VOD played to its end).
	ExitClean ExitKind = iota
	// ExitError: a non-zero exit status that Stop did not cause.
	ExitError
	// ExitStopped: ended after Stop (any status, or the SIGKILL of the
	// escalation).
	ExitStopped
	// ExitSignaled: killed by a signal that Stop did not send.
	ExitSignaled
	// ExitStartFailed: the process could not be started.
	ExitStartFailed
)

// String returns the kind's name as used in stats: "clean", "error",
// "stopped", "signaled", "start-failed".
func (k ExitKind) String() string {
	switch k {
	case ExitClean:
		return "clean"
	case ExitError:
		return "error"
	case ExitStopped:
		return "stopped"
	case ExitSignaled:
		return "signaled"
	case ExitStartFailed:
		return "start-failed"
	}
	return fmt.Sprintf("ExitKind(%d)", int(k))
}

// Exit describes how one ffmpeg process ended.
type Exit struct {
	Kind ExitKind
	// Code is the exit status, or -1 when a signal ended the process.
	Code int
	// Signal is the signal that ended the process (0 if it exited).
	Signal syscall.Signal
	// Pid is the process id (0 if it never started).
	Pid int
	// Runtime is the time from start to exit.
	Runtime time.Duration
	// StopLatency is the time from the first SIGTERM of Stop to the exit
	// (0 when not stopped).
	StopLatency time.Duration
	// Terms is the number of SIGTERMs Stop sent; Killed is whether it had
	// to send SIGKILL.
	Terms  int
	Killed bool
	// Tail holds the last stderr lines the caller read (see Options.TailLines).
	Tail []string
	// Undrained is true when the caller had not drained both pipes within
	// Options.DrainTimeout after the exit, so the tail may miss lines.
	Undrained bool
	// StartErr is the error of a failed start (ExitStartFailed only).
	StartErr error
}

// Failed reports whether the exit counts as a failure for
// [RestartOnFailure]: an error status, a foreign signal or a failed start.
func (e Exit) Failed() bool {
	return e.Kind == ExitError || e.Kind == ExitSignaled || e.Kind == ExitStartFailed
}

// Err returns nil for a clean or stopped exit, and otherwise an error that
// gives the status or signal and the last stderr lines.
func (e Exit) Err() error {
	switch e.Kind {
	case ExitClean, ExitStopped:
		return nil
	case ExitStartFailed:
		return fmt.Errorf("ffmpeg did not start: %w", e.StartErr)
	}
	return fmt.Errorf("%s", e.String())
}

// String describes the exit in one line, with the stderr tail for failures.
func (e Exit) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ffmpeg pid %d %s", e.Pid, e.Kind)
	switch {
	case e.Kind == ExitStartFailed:
		fmt.Fprintf(&b, ": %v", e.StartErr)
		return b.String()
	case e.Signal != 0:
		fmt.Fprintf(&b, " by signal %v", e.Signal)
	default:
		fmt.Fprintf(&b, " with status %d", e.Code)
	}
	fmt.Fprintf(&b, " after %v", e.Runtime.Round(time.Millisecond))
	if e.Kind == ExitStopped {
		fmt.Fprintf(&b, " (stop took %v, %d SIGTERM", e.StopLatency.Round(time.Millisecond), e.Terms)
		if e.Killed {
			b.WriteString(", SIGKILL")
		}
		b.WriteString(")")
	}
	if (e.Kind == ExitError || e.Kind == ExitSignaled) && len(e.Tail) > 0 {
		b.WriteString("; last stderr lines:\n\t")
		b.WriteString(strings.Join(e.Tail, "\n\t"))
	}
	return b.String()
}
