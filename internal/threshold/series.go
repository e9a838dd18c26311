package threshold

import "time"

// Limit returns the right-hand side of the comparison in the unit of the
// query's values ([Query.Unit]): nanoseconds for durations, a fraction for
// rates, a count, a speed factor.
func (t *Threshold) Limit() float64 { return t.limit }

// SeriesPoint is the value a threshold's query had at one history point.
type SeriesPoint struct {
	Elapsed time.Duration
	Value   float64 // in the query's unit
	OK      bool    // false: no data at this point
}

// Series returns, for every history point of src after the warm-up (or
// the threshold's "after"), the value the threshold compares with its
// limit as a live check at that point would read it: with "over", the
// window ending at the point; without, the run from the warm-up to the
// point; OK is false before the first whole window. So the first point whose value fails is the verdict's At. It
// returns nil for metrics without history (startup_time).
func (t *Threshold) Series(src Source) []SeriesPoint {
	if t.query.def.kind == kindDistribution && !t.query.def.history {
		return nil
	}
	v := viewOf(src)
	tl := newTimeline(&v, false) // the history points only: one value per point
	n := tl.len()
	warm := v.warm
	if t.hasAfter {
		warm = t.after
	}
	from := tl.firstAtOrAfter(warm)
	out := make([]SeriesPoint, 0, max(n-from, 0))
	var sc scratch
	gauge := t.query.def.kind == kindGauge
	// base: the cumulative sample subtracted (-1: zero at the start), as
	// evalCumulative picks it; lo: the first gauge point aggregated.
	base, lo := -1, from
	if warm > 0 {
		base = from
	}
	for j := from; j < n; j++ {
		end := tl.elapsed(j)
		p := SeriesPoint{Elapsed: end}
		if gauge {
			if t.over > 0 {
				for end-tl.elapsed(lo) > t.over {
					lo++
				}
			}
			if t.over == 0 || end-tl.elapsed(from) >= t.over {
				p.Value, p.OK = t.gaugeAgg(&tl, lo, j)
			}
		} else {
			i := base
			if t.over > 0 {
				for i+1 < j && end-tl.elapsed(i+1) >= t.over {
					i++
				}
				base = i // windows only move forward
			}
			start := time.Duration(0)
			if i >= 0 {
				start = tl.elapsed(i)
			}
			if j > i && end-start >= t.over { // only whole windows, as evalWindows
				p.Value, p.OK = t.query.delta(&tl, i, j, &sc)
			}
		}
		out = append(out, p)
	}
	return out
}
