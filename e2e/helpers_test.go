package e2e

import (
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// waitGone waits up to d for every pid to end (or become a zombie) and
// returns how long it took, or the pids still alive.
func waitGone(pids []int, d time.Duration) (time.Duration, []int) {
	start := time.Now()
	for {
		var left []int
		for _, p := range pids {
			if testkit.Alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Since(start) > d {
			return time.Since(start), left
		}
		time.Sleep(20 * time.Millisecond)
	}
}
