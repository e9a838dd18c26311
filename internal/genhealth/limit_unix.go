//go:build unix

package genhealth

import "syscall"

// FileLimit returns this process's soft RLIMIT_NOFILE (the largest uint64
// when there is none); ok is false when it cannot be read.
func FileLimit() (limit uint64, ok bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	return uint64(rl.Cur), true // int64 on some systems; RLIM_INFINITY becomes the largest value
}
