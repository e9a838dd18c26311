package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestCollectorGenerator: the generator gauges carry the latest reading;
// a reading the platform did not offer is not exported.
func TestCollectorGenerator(t *testing.T) {
	t.Parallel()
	agg := fleet(t)
	c := NewCollector(func(dst *stats.Snapshot) {
		agg.SnapshotParts(dst, stats.IncludeHistograms)
		dst.Generator = stats.Generator{
			Known:       stats.GenCPUPressure | stats.GenSchedLatency | stats.GenFDs,
			CPUPressure: 0.75, SchedLatencyP99: 60 * time.Millisecond, FDs: 50, FDLimit: 1000,
		}
	}, nil)
	want := `
# HELP hlsswarm_generator_cpu_pressure Share of each second in which a runnable task on the generating machine waited for a CPU (Linux PSI cpu some): max and mean.
# TYPE hlsswarm_generator_cpu_pressure gauge
hlsswarm_generator_cpu_pressure 0.75
# HELP hlsswarm_generator_fd_usage The harness's open file descriptors / its soft RLIMIT_NOFILE: max.
# TYPE hlsswarm_generator_fd_usage gauge
hlsswarm_generator_fd_usage 0.05
# HELP hlsswarm_generator_saturated 1 for a second in which the generator was saturated (CPU pressure >= 50%, or without PSI load >= 2 per CPU, or scheduling latency p99 >= 50ms), else 0: mean is the share of saturated seconds.
# TYPE hlsswarm_generator_saturated gauge
hlsswarm_generator_saturated 1
# HELP hlsswarm_generator_sched_latency_seconds 99th percentile of the harness's own goroutine scheduling latency in each second (Go runtime/metrics): max and mean. In seconds.
# TYPE hlsswarm_generator_sched_latency_seconds gauge
hlsswarm_generator_sched_latency_seconds 0.06
`
	names := []string{"hlsswarm_generator_cpu_pressure", "hlsswarm_generator_fd_usage", "hlsswarm_generator_saturated",
		"hlsswarm_generator_sched_latency_seconds", "hlsswarm_generator_memory_pressure", "hlsswarm_generator_slow_viewers"}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}
