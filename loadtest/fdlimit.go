package loadtest

import (
	"fmt"

	"github.com/hlsswarm/hlsswarm/internal/genhealth"
)

// fdsPerViewer is what one viewer holds open in the test process: its
// stderr and -progress sockets and the process's pidfd, plus its
// child-side ends while it starts.
const (
	fdsPerViewer = 5
	fdsBase      = 64 // the origin, the metrics server, the test's own files
)

// checkFDs returns an error when a fleet of clients viewers would run out
// of file descriptors under a soft limit of limit (RLIMIT_NOFILE, which Go
// raises to the hard limit for the test process at start-up): each start
// that fails so would fail the run. limit 0 means unknown.
func checkFDs(clients int, limit uint64) error {
	need := uint64(clients)*fdsPerViewer + fdsBase
	if limit == 0 || need <= limit {
		return nil
	}
	return fmt.Errorf("loadtest: Config.Clients = %d needs about %d open files (%d a viewer + %d) but RLIMIT_NOFILE is %d; raise the hard limit (ulimit -Hn, LimitNOFILE= in systemd, --ulimit nofile= in docker) or run fewer viewers (at most %d here)",
		clients, need, fdsPerViewer, fdsBase, limit, (limit-fdsBase)/fdsPerViewer)
}

// openFileLimit returns this process's soft RLIMIT_NOFILE, 0 when it is
// unknown or infinite.
func openFileLimit() uint64 {
	limit, ok := genhealth.FileLimit()
	if !ok || limit == ^uint64(0) {
		return 0
	}
	return limit
}
