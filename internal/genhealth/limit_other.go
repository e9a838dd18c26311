//go:build !unix

package genhealth

// FileLimit returns false: there is no RLIMIT_NOFILE here.
func FileLimit() (limit uint64, ok bool) { return 0, false }
