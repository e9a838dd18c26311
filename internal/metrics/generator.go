package metrics

import "github.com/hlsswarm/hlsswarm/internal/stats"

// generatorReader returns how to read the generator gauge called name
// from the latest reading (Snapshot.Generator), or nil when name is not
// one. A reading the platform did not offer is not exported.
func generatorReader(name string) func(g *stats.Generator) (float64, bool) {
	switch name {
	case "generator_cpu_pressure":
		return func(g *stats.Generator) (float64, bool) { return g.CPUPressure, g.Has(stats.GenCPUPressure) }
	case "generator_sched_latency":
		return func(g *stats.Generator) (float64, bool) {
			return g.SchedLatencyP99.Seconds(), g.Has(stats.GenSchedLatency)
		}
	case "generator_memory_pressure":
		return func(g *stats.Generator) (float64, bool) { return g.MemPressure, g.Has(stats.GenMemPressure) }
	case "generator_fd_usage":
		return (*stats.Generator).FDUsage
	case "generator_slow_viewers":
		return func(g *stats.Generator) (float64, bool) { return g.SlowViewers, g.Has(stats.GenSlowViewers) }
	case "generator_saturated":
		return func(g *stats.Generator) (float64, bool) {
			if g.Known&(stats.GenCPUPressure|stats.GenLoad|stats.GenSchedLatency) == 0 {
				return 0, false
			}
			if g.Saturated() {
				return 1, true
			}
			return 0, true
		}
	}
	return nil
}
