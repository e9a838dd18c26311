//go:build !unix

package originproc

import "time"

// selfCPUTime is not measured here (no getrusage).
func selfCPUTime() (time.Duration, bool) { return 0, false }
