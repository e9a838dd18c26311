//go:build !unix

package loadtest

// openFileLimit returns 0: no RLIMIT_NOFILE to read here.
func openFileLimit() uint64 { return 0 }
