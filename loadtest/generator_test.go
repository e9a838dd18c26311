package loadtest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// genPoints returns one point a second for the given readings.
func genPoints(gens ...stats.Generator) []stats.Point {
	out := make([]stats.Point, len(gens))
	for i, g := range gens {
		out[i] = stats.Point{Elapsed: time.Duration(i+1) * time.Second, Generator: g}
	}
	return out
}

func TestGeneratorOf(t *testing.T) {
	t.Parallel()
	known := stats.GenCPUPressure | stats.GenSchedLatency | stats.GenMemAvailable | stats.GenFDs
	ok := stats.Generator{Known: known, CPUPressure: 0.1, SchedLatencyP99: time.Millisecond, MemAvailable: 2 << 30, FDs: 40, FDLimit: 1024}
	busy := ok
	busy.CPUPressure, busy.MemAvailable, busy.FDs = 0.9, 1<<30, 60
	late := ok
	late.SchedLatencyP99 = 80 * time.Millisecond
	// 1s ok (warm-up), 2–4s CPU-saturated, 5s ok, 6s scheduling-delayed.
	h := generatorOf(genPoints(ok, busy, busy, busy, ok, late), 2*time.Second)
	if got, want := h.Seconds, 5; got != want {
		t.Errorf("Seconds = %d; want %d (after the warm-up)", got, want)
	}
	if got, want := h.SaturatedSeconds, 4; got != want {
		t.Errorf("SaturatedSeconds = %d; want %d", got, want)
	}
	if got, want := h.SaturatedShare, 0.8; got != want {
		t.Errorf("SaturatedShare = %v; want %v", got, want)
	}
	if got, want := len(h.Saturated), 2; got != want {
		t.Fatalf("Saturated = %v; want %d spans", h.Saturated, want)
	}
	if got, want := h.Saturated[0], (SaturatedSpan{time.Second, 4 * time.Second, "CPU-saturated"}); got != want {
		t.Errorf("first span = %v; want %v", got, want)
	}
	if *h.CPUPressureMax != 0.9 || *h.SchedLatencyMax != 80*time.Millisecond || *h.MemAvailableMin != 1<<30 || *h.FDsMax != 60 || h.FDLimit != 1024 {
		t.Errorf("peaks = cpu %v sched %v mem %v fds %v/%d", *h.CPUPressureMax, *h.SchedLatencyMax, *h.MemAvailableMin, *h.FDsMax, h.FDLimit)
	}
	if h.MemPressureMax != nil || h.SlowViewersMax != nil || h.LoadMax != nil {
		t.Errorf("readings never taken are not nil: %+v", h)
	}
	p := h.Problem()
	for _, want := range []string{"saturated for 4 of 5 s after the warm-up (80%, more than 25%)", "CPU-saturated 1s–4s", "scheduling-delayed 5s–6s", "CPU pressure max 90%", "scheduling latency p99 max 80ms", "fds max 60 of 1024"} {
		if !strings.Contains(p, want) {
			t.Errorf("Problem() = %q; want it to contain %q", p, want)
		}
	}
	if line := h.summaryLine(); !strings.Contains(line, "SATURATED 4 of 5 s (80%)") {
		t.Errorf("summary line %q", line)
	}

	short := generatorOf(genPoints(busy, busy, busy, busy), 0) // 4 s: too short to judge
	if p := short.Problem(); p != "" {
		t.Errorf("Problem() of a 4 s run = %q; want none (fewer than %d s)", p, minJudgedSeconds)
	}
	healthy := generatorOf(genPoints(ok, ok, ok, busy), 0) // 1 of 4: not more than 25 %
	if p := healthy.Problem(); p != "" {
		t.Errorf("Problem() of a healthy run = %q", p)
	}
	if line := healthy.summaryLine(); !strings.Contains(line, "CPU pressure max 90% (mean 30%)") || strings.Contains(line, "not saturated") {
		t.Errorf("summary line %q", line)
	}
	if line := generatorOf(genPoints(ok, ok), 0).summaryLine(); !strings.HasSuffix(line, "; not saturated (2 s)") {
		t.Errorf("summary line %q", line)
	}
	if line := generatorOf(nil, 0).summaryLine(); line != "no reading" {
		t.Errorf("summary line without readings %q", line)
	}
}

// TestHistoryGeneratorJSON: a per-second reading is in the history, with
// unknown readings left out rather than reported as 0.
func TestHistoryGeneratorJSON(t *testing.T) {
	t.Parallel()
	pts := genPoints(stats.Generator{Known: stats.GenSchedLatency, SchedLatencyP99: 60 * time.Millisecond}, stats.Generator{})
	h := historyOf(pts)
	b, err := json.Marshal(h[0].Generator)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"sched_latency_p99_ns":60000000,"saturated":"scheduling-delayed"}`; got != want {
		t.Errorf("history generator = %s; want %s", got, want)
	}
	if h[1].Generator != nil {
		t.Errorf("a point without readings has generator %+v; want nil", h[1].Generator)
	}
}

func TestCapacityWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		clients  int
		ramp     time.Duration
		cpus     int
		mem      uint64
		contains []string
	}{
		{"small fleet fits", 6, time.Second, 2, 4 << 30, nil},
		{"memory unknown", 6, time.Second, 2, 0, nil},
		{"too many for the cores", 2000, 200 * time.Second, 2, 64 << 30, []string{"2000 viewers need about 2.0 cores", "run at most 1600 viewers here"}},
		{"too many for the memory", 300, 30 * time.Second, 16, 2 << 30, []string{"300 viewers need about 4.1 GB", "run at most 126 viewers here"}},
		{"ramp too fast", 100, time.Second, 2, 4 << 30, []string{"starts 100 viewers a second, faster than ffmpeg starts on 2 cores (about 16 a second", "a Ramp of at least 6s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := strings.Join(capacityWarnings(tc.clients, tc.ramp, tc.cpus, tc.mem), "\n")
			if tc.contains == nil && got != "" {
				t.Errorf("warnings %q; want none", got)
			}
			for _, want := range tc.contains {
				if !strings.Contains(got, want) {
					t.Errorf("warnings %q; want %q", got, want)
				}
			}
		})
	}
}

// The public saturation limits are the ones the stats engine applies.
func TestSaturationLimitsMatchStats(t *testing.T) {
	if SaturatedCPUPressure != stats.SaturatedCPUPressure || SaturatedLoad != stats.SaturatedLoad ||
		SaturatedSchedLatency != stats.SaturatedSchedLatency {
		t.Errorf("loadtest saturation limits %v, %v, %v; stats applies %v, %v, %v",
			SaturatedCPUPressure, SaturatedLoad, SaturatedSchedLatency,
			stats.SaturatedCPUPressure, stats.SaturatedLoad, stats.SaturatedSchedLatency)
	}
}
