package threshold

import (
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

func healthyGen() stats.Generator {
	return stats.Generator{
		Known:       stats.GenCPUPressure | stats.GenSchedLatency | stats.GenMemPressure | stats.GenFDs | stats.GenSlowViewers,
		CPUPressure: 0.05, SchedLatencyP99: 2 * time.Millisecond, MemPressure: 0, FDs: 100, FDLimit: 1000,
	}
}

// saturatedRun is 30 s: healthy for 10 s, then 10 s in which the
// generator is CPU-saturated (pressure 80 %) and segment latency rises to
// 400 ms, then 10 s healthy again.
func saturatedRun() *run {
	r := &run{}
	s := steady()
	s.gen = healthyGen()
	r.ticks(10, s)
	busy := s
	busy.segLatency = 400 * time.Millisecond
	busy.gen.CPUPressure = 0.8
	busy.gen.SlowViewers = 0.4
	r.ticks(10, busy)
	r.ticks(10, s)
	return r
}

func TestGeneratorGauges(t *testing.T) {
	t.Parallel()
	src := saturatedRun().source(0)
	runChecks(t, src, []check{
		{expr: "max(generator_cpu_pressure) < 20%", status: Fail, observed: "80%", at: 11 * time.Second},
		{expr: "mean(generator_cpu_pressure) < 50%", status: Pass, observed: "30%", at: -1},
		{expr: "max(generator_sched_latency) < 50ms", status: Pass, observed: "2ms", at: -1},
		{expr: "max(generator_fd_usage) < 50%", status: Pass, observed: "10%", at: -1},
		{expr: "max(generator_memory_pressure) < 10%", status: Pass, at: -1},
		{expr: "max(generator_slow_viewers) < 25%", status: Fail, observed: "40%", at: 11 * time.Second},
		// 10 of 30 seconds saturated.
		{expr: "mean(generator_saturated) < 25%", status: Fail, observed: "33.3%", at: -1},
		{expr: "mean(generator_saturated) < 25% after 18s", status: Pass, observed: "23.1%" /* 3 of 13 */, at: -1},
	})
}

func TestGeneratorGaugesUnknown(t *testing.T) {
	t.Parallel()
	r := &run{}
	r.ticks(5, steady()) // no generator reading (another platform, an old report)
	runChecks(t, r.source(0), []check{
		{expr: "max(generator_cpu_pressure) < 20%", status: NoData, at: -1, note: "no generator_cpu_pressure reported"},
		{expr: "max(generator_cpu_pressure)? < 20%", status: NoDataAllowed, at: -1},
		{expr: "mean(generator_saturated) < 25%", status: NoData, at: -1},
	})
}

// TestSaturationNote: a failing verdict whose window overlaps saturated
// seconds says so; one whose window does not, and passing ones, do not.
func TestSaturationNote(t *testing.T) {
	t.Parallel()
	src := saturatedRun().source(0)
	v := evalOne(t, src, "p95(segment_latency) < 100ms over 5s")
	if v.Status != Fail {
		t.Fatalf("verdict %s; want a failure", v)
	}
	if want := "the generator was CPU-saturated 10s–20s: segment_latency may be the generator's, not the origin's"; v.Note != want {
		t.Errorf("note %q; want %q", v.Note, want)
	}
	if out := (Verdicts{v}).Table(); !strings.Contains(out, "CPU-saturated 10s–20s") {
		t.Errorf("table does not show the note:\n%s", out)
	}
	// Over the whole run.
	if v := evalOne(t, src, "p95(segment_latency) < 100ms"); !strings.Contains(v.Note, "CPU-saturated 10s–20s") {
		t.Errorf("whole-run verdict %s; want the saturation note", v)
	}
	if v := evalOne(t, src, "p95(segment_latency) < 1s"); v.Note != "" {
		t.Errorf("passing verdict %s has a note", v)
	}
	// The generator's own metrics need no note.
	if v := evalOne(t, src, "max(generator_cpu_pressure) < 20%"); v.Note != "" {
		t.Errorf("generator verdict %s has a note", v)
	}
	// A failure whose windows lie before the saturation has no note.
	r := &run{}
	s := steady()
	s.gen = healthyGen()
	bad := s
	bad.errors = map[int]int{503: 50}
	r.ticks(5, bad)
	r.ticks(10, s)
	busy := s
	busy.gen.SchedLatencyP99 = 80 * time.Millisecond
	r.ticks(5, busy)
	v = evalOne(t, r.source(0), "http_error_rate < 1% over 3s")
	if v.Status != Fail || v.Note != "" {
		t.Errorf("verdict %s; want a failure without a note (saturation came later)", v)
	}
	v = evalOne(t, r.source(0), "http_error_rate < 1%")
	if v.Status != Fail || !strings.Contains(v.Note, "scheduling-delayed 15s–20s") {
		t.Errorf("whole-run verdict %s; want a note of the scheduling delay", v)
	}
}

func TestSaturatedSpans(t *testing.T) {
	t.Parallel()
	r := &run{}
	s := steady()
	s.gen = healthyGen()
	cpu := s
	cpu.gen.CPUPressure = 0.9
	sched := s
	sched.gen.SchedLatencyP99 = time.Second
	load := s
	load.gen = stats.Generator{Known: stats.GenLoad, Load: 3}
	r.ticks(2, cpu)   // 0–2s
	r.ticks(1, s)     // 3s
	r.ticks(2, sched) // 3–5s
	r.ticks(1, load)  // 5–6s, merged: a span ends at a healthy second
	got := SaturatedSpans(r.points)
	want := []SaturatedSpan{
		{0, 2 * time.Second, "CPU-saturated"},
		{3 * time.Second, 6 * time.Second, "scheduling-delayed"},
	}
	if len(got) != len(want) {
		t.Fatalf("SaturatedSpans = %v; want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("span %d = %v; want %v", i, got[i], want[i])
		}
	}
}
