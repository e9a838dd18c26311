//go:build unix

package originproc

import (
	"syscall"
	"time"
)

// selfCPUTime returns this process's CPU time (user + system) from
// getrusage(2), to the microsecond.
func selfCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
