//go:build unix

package loadtest

import "syscall"

// openFileLimit returns this process's soft RLIMIT_NOFILE, 0 if unknown or
// infinite.
func openFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	cur := uint64(rl.Cur) // int64 on some systems; RLIM_INFINITY becomes the largest value
	if cur == ^uint64(0) {
		return 0
	}
	return cur
}
