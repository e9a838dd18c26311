package loadtest

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/genhealth"
)

// What one ffmpeg viewer costs the generating machine, measured with
// ffmpeg 5.1 on a 2-core machine against the in-process live fixture:
// a live viewer's steady CPU (cores) and memory (PSS), the CPU time of
// one start, and how many starts a core completes a second.
const (
	viewerCores     = 0.001
	viewerPSS       = 13 << 20
	startCPUSeconds = 0.1
	startsPerCore   = 8
)

// capacityWarnings returns why a fleet of clients viewers started over
// ramp may not fit a machine of cpus cores with memAvail bytes available
// (memAvail 0: unknown), naming the figures; nil when it fits. Past the
// machine's capacity a fleet measures the machine, not the origin.
func capacityWarnings(clients int, ramp time.Duration, cpus int, memAvail uint64) []string {
	var out []string
	cpus = max(cpus, 1)
	steady := float64(clients) * viewerCores
	if steady > 0.8*float64(cpus) {
		out = append(out, fmt.Sprintf("loadtest: %d viewers need about %.1f cores once playing (%.1f%% of a core each) and this machine has %d: the figures will describe the machine, not the origin; run at most %d viewers here",
			clients, steady, 100*viewerCores, cpus, int(0.8*float64(cpus)/viewerCores)))
	}
	if memAvail > 0 {
		need := uint64(clients) * viewerPSS
		if float64(need) > 0.8*float64(memAvail) {
			out = append(out, fmt.Sprintf("loadtest: %d viewers need about %s of memory (%s each) and %s is available: run at most %d viewers here",
				clients, formatBytes(need), formatBytes(viewerPSS), formatBytes(memAvail), int(0.8*float64(memAvail)/viewerPSS)))
		}
	}
	if clients > 1 && ramp > 0 {
		rate := float64(clients) / ramp.Seconds()
		if most := float64(cpus * startsPerCore); rate > most {
			out = append(out, fmt.Sprintf("loadtest: Config.Ramp = %s starts %.0f viewers a second, faster than ffmpeg starts on %d cores (about %.0f a second, %.1f CPU-s each): viewers will queue and the first seconds measure the machine; use a Ramp of at least %s",
				ramp, rate, cpus, most, startCPUSeconds, (time.Duration(float64(clients)/most*float64(time.Second))).Round(time.Second)))
		}
	}
	return out
}

// logCapacity logs capacityWarnings for cfg on this machine.
func logCapacity(t testing.TB, cfg Config) {
	mem, _ := genhealth.MemAvailable()
	for _, w := range capacityWarnings(cfg.Shard.clients(cfg.Clients), cfg.Ramp, runtime.NumCPU(), mem) {
		t.Logf("%s", w)
	}
}
