package threshold

import (
	"fmt"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// generatorGauge reads a generator gauge of one sample, and false when the
// platform did not offer the reading. generator_saturated is 1 for a
// saturated second and 0 otherwise, so that its mean is the share of
// saturated seconds; it has a value whenever CPU pressure, load or the
// scheduling latency was read.
func generatorGauge(g *stats.Generator, id gaugeID) (float64, bool) {
	switch id {
	case gaugeGenCPU:
		return g.CPUPressure, g.Has(stats.GenCPUPressure)
	case gaugeGenSched:
		return float64(g.SchedLatencyP99), g.Has(stats.GenSchedLatency)
	case gaugeGenMem:
		return g.MemPressure, g.Has(stats.GenMemPressure)
	case gaugeGenFDs:
		return g.FDUsage()
	case gaugeGenSlow:
		return g.SlowViewers, g.Has(stats.GenSlowViewers)
	}
	if g.Known&(stats.GenCPUPressure|stats.GenLoad|stats.GenSchedLatency) == 0 {
		return 0, false
	}
	if g.Saturated() {
		return 1, true
	}
	return 0, true
}

// SaturatedSpan is a run of consecutive saturated seconds of the
// generator: from From to To (elapsed times of the history points), and
// why (the first point's Saturation: "CPU-saturated" or
// "scheduling-delayed").
type SaturatedSpan struct {
	From, To time.Duration
	Why      string
}

// SaturatedSpans returns the spans of saturated history points, in order.
// A point covers the second before it, so a span starts one interval
// before its first point.
func SaturatedSpans(points []stats.Point) []SaturatedSpan {
	var out []SaturatedSpan
	open := false
	for i := range points {
		p := &points[i]
		why := p.Generator.Saturation()
		if why == "" {
			open = false
			continue
		}
		if open {
			out[len(out)-1].To = p.Elapsed
			continue
		}
		from := time.Duration(0)
		if i > 0 {
			from = points[i-1].Elapsed
		}
		out = append(out, SaturatedSpan{From: from, To: p.Elapsed, Why: why})
		open = true
	}
	return out
}

// saturationNote says when the generator was saturated during
// [from, to], for a failing verdict on metric, or "" when it was not.
func saturationNote(spans []SaturatedSpan, from, to time.Duration, metric string) string {
	var parts []string
	why := ""
	for _, sp := range spans {
		if sp.To < from || sp.From > to {
			continue
		}
		if why == "" {
			why = sp.Why
		} else if why != sp.Why {
			why = "saturated"
		}
		parts = append(parts, fmtElapsed(sp.From)+"–"+fmtElapsed(sp.To))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("the generator was %s %s: %s may be the generator's, not the origin's", why, strings.Join(parts, ", "), metric)
}

// noteSaturation adds the saturation note to v when it failed on data
// while the generator was saturated: over its failing window, or over the
// evaluated run (from warm) for a verdict without windows.
func noteSaturation(v *Verdict, spans []SaturatedSpan, warm, end time.Duration, metric string) {
	if v.Status != Fail || len(spans) == 0 {
		return
	}
	from, to := warm, end
	if v.Window > 0 && v.At > 0 {
		from, to = v.WindowStart, v.At
	}
	n := saturationNote(spans, from, to, metric)
	if n == "" {
		return
	}
	if v.Note != "" {
		v.Note += "; " + n
	} else {
		v.Note = n
	}
}
