package loadtest

import (
	"math/rand/v2"
	"time"
)

// rampSchedule returns the start offset of each of n viewers spread over
// ramp: viewer i starts at a seeded random point inside its own slot
// [i*ramp/n, (i+1)*ramp/n), so the offsets are ascending, all lie in
// [0, ramp), and no slot holds two starts (the average start rate is
// n/ramp). The same seed gives the same schedule.
func rampSchedule(n int, ramp time.Duration, seed int64) []time.Duration {
	if n <= 0 {
		return nil
	}
	out := make([]time.Duration, n)
	if ramp <= 0 {
		return out
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	slot := ramp / time.Duration(n)
	for i := range out {
		var jitter time.Duration
		if slot > 0 {
			jitter = time.Duration(rng.Int64N(int64(slot)))
		}
		out[i] = time.Duration(i)*slot + jitter
	}
	return out
}

// startInterval is the gap between starts the ramp implies; Scale uses it
// so that added viewers start at the same pace as the initial ones.
func startInterval(n int, ramp time.Duration) time.Duration {
	if n <= 0 || ramp <= 0 {
		return 0
	}
	return ramp / time.Duration(n)
}
