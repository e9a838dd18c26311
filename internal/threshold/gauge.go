package threshold

import (
	"fmt"
	"math"
	"time"
)

// evalGauge evaluates min, max or mean of a gauge over the history points
// from the warm-up on, or over every window of them.
func (t *Threshold) evalGauge(v *Verdict, src *view, warm time.Duration) {
	tl := newTimeline(src, false)
	n := tl.len()
	from := tl.firstAtOrAfter(warm)
	if n == 0 || from >= n {
		if n == 0 {
			noData(v, "nothing recorded")
		} else {
			noData(v, "nothing after the warm-up of %s (the run reached %s)", fmtElapsed(warm), fmtElapsed(tl.elapsed(n-1)))
		}
		return
	}
	q := t.query
	if q.agg == aggMean {
		t.evalGaugeMean(v, &tl, from, n, warm)
		return
	}
	// min and max: the worst window holds the extreme value of the range, so
	// every window passes exactly when the range does; a failure shows in
	// the first window that contains the first failing point.
	var agg float64
	count := 0
	firstFail := -1
	for i := from; i < n; i++ {
		s := tl.at(i)
		val, ok := s.gauge(q.def.gauge, q.agg)
		if !ok {
			continue
		}
		if count == 0 || (q.agg == aggMin && val < agg) || (q.agg == aggMax && val > agg) {
			agg = val
		}
		count++
		if firstFail < 0 && !t.op.holds(agg, t.limit) {
			firstFail = i
		}
	}
	if count == 0 {
		noData(v, "no %s reported%s", q.name, warmNote(warm))
		return
	}
	v.Observed, v.Status = agg, Pass
	if firstFail < 0 {
		return
	}
	v.Status, v.At = Fail, tl.elapsed(firstFail)
	if t.over > 0 {
		start := tl.elapsed(from)
		if tl.elapsed(n-1)-start < t.over {
			v.Note = fmt.Sprintf("run shorter than the %s window: evaluated as one window", fmtElapsed(t.over))
		}
		v.At = max(v.At, start+t.over)
		if v.At > tl.elapsed(n-1) {
			v.At = tl.elapsed(n - 1)
		}
		v.WindowStart = max(v.At-t.over, start)
	}
}

// evalGaugeMean evaluates mean(gauge): over the range, or in every window
// of points within t.over of its end point.
func (t *Threshold) evalGaugeMean(v *Verdict, tl *timeline, from, n int, warm time.Duration) {
	q := t.query
	if t.over == 0 || tl.elapsed(n-1)-tl.elapsed(from) < t.over {
		if t.over > 0 {
			v.Note = fmt.Sprintf("run shorter than the %s window: evaluated as one window", fmtElapsed(t.over))
		}
		sum, count := 0.0, 0
		firstFail := time.Duration(-1) // when the running mean first failed
		for i := from; i < n; i++ {
			s := tl.at(i)
			if val, ok := s.gauge(q.def.gauge, q.agg); ok {
				sum, count = sum+val, count+1
				if firstFail < 0 && !t.op.holds(sum/float64(count), t.limit) {
					firstFail = tl.elapsed(i)
				}
			}
		}
		if count == 0 {
			noData(v, "no %s reported%s", q.name, warmNote(warm))
			return
		}
		v.Observed, v.Status = sum/float64(count), Pass
		if !t.op.holds(v.Observed, t.limit) {
			v.Status, v.At = Fail, tl.elapsed(n-1)
			if t.over > 0 {
				v.WindowStart = tl.elapsed(from)
			} else if firstFail >= 0 {
				v.At = firstFail
			}
		}
		return
	}
	// Sliding window [end-over, end] over points from..n-1.
	sum, count, withData := 0.0, 0, 0
	i := from
	for j := from; j < n; j++ {
		s := tl.at(j)
		if val, ok := s.gauge(q.def.gauge, q.agg); ok {
			sum, count = sum+val, count+1
		}
		end := tl.elapsed(j)
		for end-tl.elapsed(i) > t.over {
			s := tl.at(i)
			if val, ok := s.gauge(q.def.gauge, q.agg); ok {
				sum, count = sum-val, count-1
			}
			i++
		}
		if end-tl.elapsed(from) < t.over || count == 0 {
			continue
		}
		mean := sum / float64(count)
		withData++
		if withData == 1 || t.op.worse(mean, v.Observed) {
			v.Observed = mean
		}
		if !t.op.holds(mean, t.limit) && v.Status != Fail {
			v.Status, v.At, v.WindowStart = Fail, end, tl.elapsed(i)
			if t.op == opEQ || t.op == opNE {
				v.Observed = mean
			}
		}
	}
	if withData == 0 {
		noData(v, "no %s reported in any %s window", q.name, fmtElapsed(t.over))
		return
	}
	if v.Status != Fail {
		v.Status = Pass
	}
	if math.IsNaN(v.Observed) {
		v.Observed = 0
	}
}
