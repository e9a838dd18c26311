package genhealth

import (
	"io/fs"
	"os"
)

// procFS returns /proc.
func procFS() fs.FS { return os.DirFS("/proc") }

// openFDs counts the process's open descriptors and returns its soft
// RLIMIT_NOFILE.
func openFDs() (n int, limit uint64, ok bool) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, 0, false
	}
	limit, ok = FileLimit()
	if !ok {
		return 0, 0, false
	}
	// One entry is the descriptor ReadDir itself held open.
	return max(len(ents)-1, 0), limit, true
}
