package loadtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// Saturation limits of the generating machine (the one running the
// viewers). A second is saturated when its CPU pressure (Linux PSI "some":
// the share of the second in which a runnable task waited for a CPU)
// reached SaturatedCPUPressure, or without PSI its load average per CPU
// reached SaturatedLoad, or the harness's own goroutine scheduling latency
// p99 reached SaturatedSchedLatency. A run whose seconds after the warm-up
// were saturated for more than SaturatedShareLimit of them is logged (and
// fails with Config.FailOnSaturatedGenerator): its figures describe the
// generator as much as the origin.
// The first three are the ones the stats engine applies (a test holds them
// equal).
const (
	SaturatedCPUPressure  = 0.5
	SaturatedLoad         = 2.0
	SaturatedSchedLatency = 50 * time.Millisecond
	SaturatedShareLimit   = 0.25
)

// GeneratorHealth is how well the generating machine kept up during the
// run, from one reading a second (see [GeneratorSample]). A figure the
// platform does not offer is nil (off Linux: everything but the
// scheduling latency and the slow viewers).
type GeneratorHealth struct {
	// Seconds counts the readings after the warm-up with a CPU or
	// scheduling figure; SaturatedSeconds those that were saturated, and
	// SaturatedShare their share (0 when Seconds is 0).
	Seconds          int     `json:"seconds"`
	SaturatedSeconds int     `json:"saturated_seconds"`
	SaturatedShare   float64 `json:"saturated_share"`
	// Saturated lists the saturated spans of the whole run, warm-up
	// included.
	Saturated []SaturatedSpan `json:"saturated,omitempty"`

	CPUPressureMax  *float64 `json:"cpu_pressure_max,omitempty"`
	CPUPressureMean *float64 `json:"cpu_pressure_mean,omitempty"`
	// LoadMax is the largest 1-minute load average per CPU.
	LoadMax *float64 `json:"load_max,omitempty"`
	// SchedLatencyMax is the largest per-second p99 of the harness's
	// goroutine scheduling latency.
	SchedLatencyMax *time.Duration `json:"sched_latency_p99_max_ns,omitempty"`
	MemPressureMax  *float64       `json:"mem_pressure_max,omitempty"`
	// MemAvailableMin is the least memory available, in bytes.
	MemAvailableMin *uint64 `json:"mem_available_min_bytes,omitempty"`
	// FDsMax is the most descriptors the harness held open; FDLimit its
	// soft RLIMIT_NOFILE.
	FDsMax  *int   `json:"fds_max,omitempty"`
	FDLimit uint64 `json:"fd_limit,omitempty"`
	// SlowViewersMax is the largest share of viewers at once whose speed
	// was below 0.9.
	SlowViewersMax *float64 `json:"slow_viewers_max,omitempty"`
	// StartLatencyP95 is the 95th percentile of the ffmpeg starts' spawn
	// to first request (Result.StartLatency), 0 without starts;
	// StartLatencyQuiet is what a start takes on a quiet machine
	// (QuietStartLatency), to compare it with.
	StartLatencyP95   time.Duration `json:"start_latency_p95_ns,omitempty"`
	StartLatencyQuiet time.Duration `json:"start_latency_quiet_ns"`
}

// QuietStartLatency is an ffmpeg start's time from spawn to its first
// request on a quiet machine: ffmpeg 5.1 against the in-process live
// fixture on 2 cores. Starts much slower than this (several times) mean
// the generator was short of CPU when viewers started.
const QuietStartLatency = 300 * time.Millisecond

// SaturatedSpan is a run of saturated seconds, by elapsed time; Why is
// "CPU-saturated" or "scheduling-delayed".
type SaturatedSpan struct {
	From time.Duration `json:"from_ns"`
	To   time.Duration `json:"to_ns"`
	Why  string        `json:"why"`
}

// GeneratorSample is one reading of the generating machine, covering
// about the second before its history point. Readings the platform does
// not offer are nil. Ratios are in [0,1].
type GeneratorSample struct {
	CPUPressure     *float64       `json:"cpu_pressure,omitempty"`
	Load            *float64       `json:"load,omitempty"`
	SchedLatencyP99 *time.Duration `json:"sched_latency_p99_ns,omitempty"`
	MemPressure     *float64       `json:"mem_pressure,omitempty"`
	MemAvailable    *uint64        `json:"mem_available_bytes,omitempty"`
	FDs             *int           `json:"fds,omitempty"`
	FDLimit         *uint64        `json:"fd_limit,omitempty"`
	SlowViewers     *float64       `json:"slow_viewers,omitempty"`
	// Saturated is "" or why the second was saturated.
	Saturated string `json:"saturated,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// generatorSampleOf returns the reading of g, or nil when nothing was read.
func generatorSampleOf(g *stats.Generator) *GeneratorSample {
	if g.Known == 0 {
		return nil
	}
	s := &GeneratorSample{Saturated: g.Saturation()}
	if g.Has(stats.GenCPUPressure) {
		s.CPUPressure = ptr(g.CPUPressure)
	}
	if g.Has(stats.GenLoad) {
		s.Load = ptr(g.Load)
	}
	if g.Has(stats.GenSchedLatency) {
		s.SchedLatencyP99 = ptr(g.SchedLatencyP99)
	}
	if g.Has(stats.GenMemPressure) {
		s.MemPressure = ptr(g.MemPressure)
	}
	if g.Has(stats.GenMemAvailable) {
		s.MemAvailable = ptr(g.MemAvailable)
	}
	if g.Has(stats.GenFDs) {
		s.FDs, s.FDLimit = ptr(g.FDs), ptr(g.FDLimit)
	}
	if g.Has(stats.GenSlowViewers) {
		s.SlowViewers = ptr(g.SlowViewers)
	}
	return s
}

// generatorOf sums up the readings of the points.
func generatorOf(points []stats.Point, warm time.Duration) GeneratorHealth {
	h := GeneratorHealth{StartLatencyQuiet: QuietStartLatency}
	for _, sp := range threshold.SaturatedSpans(points) {
		h.Saturated = append(h.Saturated, SaturatedSpan(sp))
	}
	var cpuSum float64
	cpuN := 0
	for i := range points {
		g := &points[i].Generator
		if g.Has(stats.GenCPUPressure) {
			h.CPUPressureMax = maxPtr(h.CPUPressureMax, g.CPUPressure)
			cpuSum += g.CPUPressure
			cpuN++
		}
		if g.Has(stats.GenLoad) {
			h.LoadMax = maxPtr(h.LoadMax, g.Load)
		}
		if g.Has(stats.GenSchedLatency) {
			h.SchedLatencyMax = maxPtr(h.SchedLatencyMax, g.SchedLatencyP99)
		}
		if g.Has(stats.GenMemPressure) {
			h.MemPressureMax = maxPtr(h.MemPressureMax, g.MemPressure)
		}
		if g.Has(stats.GenMemAvailable) && (h.MemAvailableMin == nil || g.MemAvailable < *h.MemAvailableMin) {
			h.MemAvailableMin = ptr(g.MemAvailable)
		}
		if g.Has(stats.GenFDs) {
			h.FDsMax, h.FDLimit = maxPtr(h.FDsMax, g.FDs), g.FDLimit
		}
		if g.Has(stats.GenSlowViewers) {
			h.SlowViewersMax = maxPtr(h.SlowViewersMax, g.SlowViewers)
		}
		if points[i].Elapsed >= warm && g.Known&(stats.GenCPUPressure|stats.GenLoad|stats.GenSchedLatency) != 0 {
			h.Seconds++
			if g.Saturated() {
				h.SaturatedSeconds++
			}
		}
	}
	if cpuN > 0 {
		h.CPUPressureMean = ptr(cpuSum / float64(cpuN))
	}
	if h.Seconds > 0 {
		h.SaturatedShare = float64(h.SaturatedSeconds) / float64(h.Seconds)
	}
	return h
}

func maxPtr[T int | float64 | time.Duration](p *T, v T) *T {
	if p == nil || v > *p {
		return ptr(v)
	}
	return p
}

// minJudgedSeconds is the fewest readings after the warm-up on which
// Problem judges a run: the first second or two of any fleet are its
// ffmpeg starts, which saturate even a quiet machine's CPU for that
// moment, so a shorter run would always look saturated.
const minJudgedSeconds = 5

// Problem returns why the generator's health puts the run's figures in
// doubt, naming them, or "" when it was saturated for at most
// SaturatedShareLimit of its seconds after the warm-up, or when fewer
// than 5 seconds after the warm-up were read.
func (h GeneratorHealth) Problem() string {
	if h.Seconds < minJudgedSeconds || h.SaturatedShare <= SaturatedShareLimit {
		return ""
	}
	return fmt.Sprintf("loadtest: the generator (the machine running the viewers) was saturated for %d of %d s after the warm-up (%.0f%%, more than %.0f%%): %s; %s; the figures describe this machine as much as the origin: run fewer viewers, or on a quieter or larger machine",
		h.SaturatedSeconds, h.Seconds, 100*h.SaturatedShare, 100*SaturatedShareLimit, h.spansText(), h.figuresText())
}

// spansText lists the saturated spans: "CPU-saturated 2s–14s, 16s–20s".
func (h GeneratorHealth) spansText() string {
	var parts []string
	last := ""
	for _, sp := range h.Saturated {
		s := fmtSpan(sp.From) + "–" + fmtSpan(sp.To)
		if sp.Why != last {
			s = sp.Why + " " + s
			last = sp.Why
		}
		parts = append(parts, s)
	}
	if len(parts) > 6 {
		parts = append(parts[:6], fmt.Sprintf("and %d more", len(parts)-6))
	}
	return strings.Join(parts, ", ")
}

func fmtSpan(d time.Duration) string {
	if d >= 10*time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// figuresText prints the peak figures: "CPU pressure max 83% (mean 61%),
// scheduling latency p99 max 71ms, ...".
func (h GeneratorHealth) figuresText() string {
	var parts []string
	if h.CPUPressureMax != nil {
		parts = append(parts, fmt.Sprintf("CPU pressure max %.0f%% (mean %.0f%%)", 100**h.CPUPressureMax, 100**h.CPUPressureMean))
	} else if h.LoadMax != nil {
		parts = append(parts, fmt.Sprintf("load max %.1f per CPU", *h.LoadMax))
	}
	if h.SchedLatencyMax != nil {
		parts = append(parts, "scheduling latency p99 max "+fmtLat(*h.SchedLatencyMax))
	}
	if h.MemPressureMax != nil {
		parts = append(parts, fmt.Sprintf("memory pressure max %.0f%%", 100**h.MemPressureMax))
	}
	if h.MemAvailableMin != nil {
		parts = append(parts, "memory available min "+formatBytes(*h.MemAvailableMin))
	}
	if h.FDsMax != nil {
		parts = append(parts, fmt.Sprintf("fds max %d of %d", *h.FDsMax, h.FDLimit))
	}
	if h.SlowViewersMax != nil {
		parts = append(parts, fmt.Sprintf("viewers below speed 0.9 max %.0f%%", 100**h.SlowViewersMax))
	}
	if h.StartLatencyP95 > 0 && h.StartLatencyQuiet > 0 {
		parts = append(parts, fmt.Sprintf("ffmpeg start p95 %s (%.1fx a quiet machine's %s)", fmtLat(h.StartLatencyP95),
			float64(h.StartLatencyP95)/float64(h.StartLatencyQuiet), fmtLat(h.StartLatencyQuiet)))
	}
	if len(parts) == 0 {
		return "no reading"
	}
	return strings.Join(parts, ", ")
}

// summaryLine is the generator's line in Result.Summary.
func (h GeneratorHealth) summaryLine() string {
	s := h.figuresText()
	switch {
	case h.Seconds == 0:
		return s
	case h.SaturatedSeconds == 0:
		return s + fmt.Sprintf("; not saturated (%d s)", h.Seconds)
	}
	return s + fmt.Sprintf("; SATURATED %d of %d s (%.0f%%): %s", h.SaturatedSeconds, h.Seconds, 100*h.SaturatedShare, h.spansText())
}

// generatorProblems fails the run (Config.FailOnSaturatedGenerator) or
// logs when its generator was saturated for a large share of it.
func (f *Fleet) generatorProblems(r *Result) []string {
	p := r.Generator.Problem()
	if p == "" {
		return nil
	}
	if f.cfg.FailOnSaturatedGenerator {
		return []string{p + " (failing: Config.FailOnSaturatedGenerator)"}
	}
	f.t.Logf("%s (a warning; set Config.FailOnSaturatedGenerator to fail)", p)
	return nil
}
