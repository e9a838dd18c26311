package stats

import (
	"fmt"
	"time"
)

// GeneratorFields says which readings of a [Generator] were taken; a
// reading the platform does not offer is unknown, not zero.
type GeneratorFields uint8

// The readings of a Generator.
const (
	GenCPUPressure  GeneratorFields = 1 << iota // Linux PSI /proc/pressure/cpu
	GenLoad                                     // /proc/loadavg
	GenSchedLatency                             // Go runtime/metrics
	GenMemPressure                              // Linux PSI /proc/pressure/memory
	GenMemAvailable                             // /proc/meminfo
	GenFDs                                      // open descriptors and RLIMIT_NOFILE
	GenSlowViewers                              // viewers with a measured speed
)

// Saturation limits: a second in which the generating machine's CPU
// pressure reached SaturatedCPUPressure, or the harness's own scheduling
// latency p99 reached SaturatedSchedLatency, is a saturated second. Past
// them the figures a fleet measures include the machine's queueing, not
// only the origin's.
// Without PSI, a load average per CPU at or past SaturatedLoad counts as
// CPU saturation.
const (
	SaturatedCPUPressure  = 0.5
	SaturatedSchedLatency = 50 * time.Millisecond
	SaturatedLoad         = 2.0
)

// SlowSpeed is the playback speed below which a viewer counts as slow in
// [Generator.SlowViewers]: ffmpeg's speed wobbles a few percent around 1
// on a healthy live stream, so "below 1" would count noise.
const SlowSpeed = 0.9

// Generator is the health of the machine running the viewers over one
// interval of about a second, read by the fleet's control loop. Ratios
// are in [0,1].
type Generator struct {
	Known GeneratorFields `json:"known"`
	// CPUPressure is the share of wall time in which at least one runnable
	// task waited for a CPU (PSI "some"), machine-wide.
	CPUPressure float64 `json:"cpu_pressure"`
	// Load is the 1-minute load average per CPU; it stands in for
	// CPUPressure where PSI is absent (see Saturation).
	Load float64 `json:"load"`
	// SchedLatencyP99 is the 99th percentile of the time the harness's
	// goroutines waited to run over the interval.
	SchedLatencyP99 time.Duration `json:"sched_latency_p99"`
	// MemPressure is the share of wall time in which at least one task
	// stalled on memory (PSI "some").
	MemPressure float64 `json:"mem_pressure"`
	// MemAvailable is the memory available for new work, in bytes.
	MemAvailable uint64 `json:"mem_available"`
	// FDs are the harness's open file descriptors; FDLimit its soft
	// RLIMIT_NOFILE.
	FDs     int    `json:"fds"`
	FDLimit uint64 `json:"fd_limit"`
	// SlowViewers is the share of viewers with a measured speed whose
	// speed was below SlowSpeed.
	SlowViewers float64 `json:"slow_viewers"`
}

// Has reports whether every reading in f was taken.
func (g *Generator) Has(f GeneratorFields) bool { return g.Known&f == f }

// FDUsage returns FDs / FDLimit, and false when unknown.
func (g *Generator) FDUsage() (float64, bool) {
	if !g.Has(GenFDs) || g.FDLimit == 0 {
		return 0, false
	}
	return float64(g.FDs) / float64(g.FDLimit), true
}

// Saturation returns why the generator was saturated in this interval,
// "CPU-saturated" (CPU pressure at or past SaturatedCPUPressure, or
// without PSI a load per CPU at or past SaturatedLoad) or
// "scheduling-delayed" (scheduling latency p99 at or past
// SaturatedSchedLatency), or "" when it was not (or nothing was known).
func (g *Generator) Saturation() string {
	switch {
	case g.Has(GenCPUPressure) && g.CPUPressure >= SaturatedCPUPressure:
		return "CPU-saturated"
	case !g.Has(GenCPUPressure) && g.Has(GenLoad) && g.Load >= SaturatedLoad:
		return "CPU-saturated"
	case g.Has(GenSchedLatency) && g.SchedLatencyP99 >= SaturatedSchedLatency:
		return "scheduling-delayed"
	}
	return ""
}

// Saturated reports whether Saturation is not "".
func (g *Generator) Saturated() bool { return g.Saturation() != "" }

// SaturationWhy describes the readings that made the interval saturated,
// e.g. "CPU pressure 83%, scheduling latency p99 71ms".
func (g *Generator) SaturationWhy() string {
	s := ""
	if g.Has(GenCPUPressure) {
		s = fmt.Sprintf("CPU pressure %.0f%%", 100*g.CPUPressure)
	} else if g.Has(GenLoad) {
		s = fmt.Sprintf("load %.1f per CPU", g.Load)
	}
	if g.Has(GenSchedLatency) {
		if s != "" {
			s += ", "
		}
		s += "scheduling latency p99 " + g.SchedLatencyP99.Round(time.Millisecond).String()
	}
	return s
}
