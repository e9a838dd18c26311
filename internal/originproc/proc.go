package originproc

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 a
// second on Linux).
const clockTick = 10 * time.Millisecond

// CPUTime returns the CPU time (user + system) a process used so far, from
// /proc/<pid>/stat in clock ticks (10 ms); pid "self" is this process,
// read with getrusage(2) to the microsecond. ok is false when the process
// is gone or the file cannot be read.
func CPUTime(pid string) (d time.Duration, ok bool) {
	if pid == "self" {
		return selfCPUTime()
	}
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(stat, ')') // the command name may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * clockTick, true
}

// KB returns the "Key: N kB" field of a /proc file (status, smaps_rollup)
// in kB, or 0 when it is missing.
func KB(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
