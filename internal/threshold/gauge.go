package threshold

import (
	"fmt"
	"time"
)

// evalGauge evaluates min, max or mean of a gauge over the history points
// from the warm-up on, or over every window of them: the points within
// t.over before each point, from the first point t.over after the warm-up.
func (t *Threshold) evalGauge(v *Verdict, src *view, warm time.Duration) {
	tl := newTimeline(src, false)
	n := tl.len()
	if n == 0 {
		noData(v, "nothing recorded")
		return
	}
	from := tl.firstAtOrAfter(warm)
	if from >= n {
		noData(v, "nothing after the warm-up of %s (the run reached %s)", fmtElapsed(warm), fmtElapsed(tl.elapsed(n-1)))
		return
	}
	if t.over == 0 || tl.elapsed(n-1)-tl.elapsed(from) < t.over {
		t.evalGaugeRange(v, &tl, from, n, warm)
		if t.over > 0 {
			v.Note = fmt.Sprintf("run shorter than the %s window: evaluated as one window", fmtElapsed(t.over))
			if v.Status == Fail {
				v.At, v.WindowStart = tl.elapsed(n-1), tl.elapsed(from)
			}
		}
		return
	}
	q := t.query
	withData := 0
	i := from
	for j := from; j < n; j++ {
		end := tl.elapsed(j)
		for end-tl.elapsed(i) > t.over {
			i++
		}
		if end-tl.elapsed(from) < t.over {
			continue
		}
		val, ok := t.gaugeAgg(&tl, i, j)
		if !ok {
			continue
		}
		withData++
		if withData == 1 || t.op.worse(val, v.Observed) {
			v.Observed = val
		}
		if !t.op.holds(val, t.limit) && v.Status != Fail {
			v.Status, v.At, v.WindowStart = Fail, end, tl.elapsed(i)
			if t.op == opEQ || t.op == opNE {
				v.Observed = val
			}
		}
	}
	switch {
	case withData == 0:
		noData(v, "no %s reported in any %s window", q.name, fmtElapsed(t.over))
	case v.Status != Fail:
		v.Status = Pass
	}
}

// gaugeAgg aggregates the gauge over the points lo..hi (inclusive) that
// have a value, and reports false when none has.
func (t *Threshold) gaugeAgg(tl *timeline, lo, hi int) (float64, bool) {
	var acc gaugeAcc
	for i := lo; i <= hi; i++ {
		s := tl.at(i)
		if val, ok := s.gauge(t.query.def.gauge, t.query.agg); ok {
			acc.add(t.query.agg, val)
		}
	}
	return acc.value(t.query.agg), acc.n > 0
}

// gaugeAcc accumulates min, max or mean.
type gaugeAcc struct {
	n   int
	agg float64 // min or max
	sum float64
}

func (a *gaugeAcc) add(agg aggKind, val float64) {
	if a.n == 0 || (agg == aggMin && val < a.agg) || (agg == aggMax && val > a.agg) {
		a.agg = val
	}
	a.n++
	a.sum += val
}

func (a *gaugeAcc) value(agg aggKind) float64 {
	if agg == aggMean {
		if a.n == 0 {
			return 0
		}
		return a.sum / float64(a.n)
	}
	return a.agg
}

// evalGaugeRange evaluates the gauge over the points from..n-1. A failure is
// dated at the first point where the aggregate of the points so far failed,
// which is when a live check would have failed first.
func (t *Threshold) evalGaugeRange(v *Verdict, tl *timeline, from, n int, warm time.Duration) {
	q := t.query
	var acc gaugeAcc
	firstFail := -1
	for i := from; i < n; i++ {
		s := tl.at(i)
		val, ok := s.gauge(q.def.gauge, q.agg)
		if !ok {
			continue
		}
		acc.add(q.agg, val)
		if firstFail < 0 && !t.op.holds(acc.value(q.agg), t.limit) {
			firstFail = i
		}
	}
	if acc.n == 0 {
		noData(v, "no %s reported%s", q.name, warmNote(warm))
		return
	}
	v.Observed, v.Status = acc.value(q.agg), Pass
	if !t.op.holds(v.Observed, t.limit) {
		v.Status, v.At = Fail, tl.elapsed(n-1)
		if firstFail >= 0 {
			v.At = tl.elapsed(firstFail)
		}
	}
}
