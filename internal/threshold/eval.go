package threshold

import (
	"fmt"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// evaluate computes t's verdict on src.
func (t *Threshold) evaluate(src *view, sc *scratch) Verdict {
	v := Verdict{Expr: t.text, Unit: t.query.Unit(), Limit: t.limitText, Window: t.over}
	warm := src.warm
	if t.hasAfter {
		warm = t.after
	}
	if t.query.def.kind == kindDistribution && !t.query.def.history {
		warm = 0 // startup_time: recorded once per viewer start, during any warm-up by nature
	}
	if t.query.def.kind == kindGauge {
		t.evalGauge(&v, src, warm)
	} else {
		t.evalCumulative(&v, src, warm, sc)
	}
	if v.Status == NoData && t.optional {
		v.Status = NoDataAllowed
	}
	if v.Status == Fail && !t.query.def.generator {
		noteSaturation(&v, src.saturatedSpans(), warm, src.end(), t.query.name)
	}
	return v
}

// noData marks v as without data, with a reason.
func noData(v *Verdict, format string, args ...any) {
	v.Status, v.Observed, v.At, v.WindowStart = NoData, 0, 0, 0
	v.Note = fmt.Sprintf(format, args...)
}

// warmNote says which part of the run was evaluated, for no-data notes.
func warmNote(warm time.Duration) string {
	if warm > 0 {
		return " after the warm-up of " + fmtElapsed(warm)
	}
	return ""
}

// evalCumulative evaluates counters, rates and distributions: differences
// of cumulative samples, over the whole range after the warm-up or over
// every window.
func (t *Threshold) evalCumulative(v *Verdict, src *view, warm time.Duration, sc *scratch) {
	tl := newTimeline(src, true)
	n := tl.len()
	if n == 0 {
		noData(v, "nothing recorded")
		return
	}
	base := -1 // index of the cumulative sample subtracted; -1: zero at the start
	if warm > 0 {
		base = tl.firstAtOrAfter(warm)
		if base >= n-1 {
			noData(v, "nothing after the warm-up of %s (the run reached %s)", fmtElapsed(warm), fmtElapsed(tl.elapsed(n-1)))
			return
		}
	}
	last := n - 1
	startOf := func(i int) time.Duration {
		if i < 0 {
			return 0
		}
		return tl.elapsed(i)
	}
	if t.over > 0 {
		if len(tl.points) == 0 {
			v.Note = "no history: evaluated as one window"
		} else if t.evalWindows(v, &tl, base, last, startOf, sc) {
			return
		} else {
			v.Note = fmt.Sprintf("run shorter than the %s window: evaluated as one window", fmtElapsed(t.over))
		}
	}
	val, ok := t.query.delta(&tl, base, last, sc)
	if !ok {
		noData(v, "no observations%s%s", warmNote(warm), t.unmeasuredNote(&tl, base, last))
		return
	}
	v.Observed = val
	v.Status = Pass
	if !t.op.holds(val, t.limit) {
		v.Status, v.At = Fail, tl.elapsed(last)
		if t.over > 0 {
			v.WindowStart = startOf(base)
		} else {
			v.At = t.firstBreach(&tl, base, last, sc)
		}
	}
}

// firstBreach returns the earliest sample time at which the value from base
// on failed the condition: when a live check of the run so far would have
// failed first.
func (t *Threshold) firstBreach(tl *timeline, base, last int, sc *scratch) time.Duration {
	for j := base + 1; j < last; j++ {
		if val, ok := t.query.delta(tl, base, j, sc); ok && !t.op.holds(val, t.limit) {
			return tl.elapsed(j)
		}
	}
	return tl.elapsed(last)
}

// evalWindows checks every window of length t.over that ends at a sample
// after base and starts at or after base, pairing each end with the latest
// start at least t.over before it. It returns false when no sample pair is
// t.over apart.
func (t *Threshold) evalWindows(v *Verdict, tl *timeline, base, last int, startOf func(int) time.Duration, sc *scratch) bool {
	windows, withData := 0, 0
	var longest time.Duration
	i := base
	for j := base + 1; j <= last; j++ {
		end := tl.elapsed(j)
		for i+1 < j && end-tl.elapsed(i+1) >= t.over {
			i++
		}
		if end-startOf(i) < t.over {
			continue
		}
		windows++
		longest = max(longest, end-startOf(i))
		val, ok := t.query.delta(tl, i, j, sc)
		if !ok {
			continue
		}
		withData++
		if withData == 1 || t.op.worse(val, v.Observed) {
			v.Observed = val
		}
		if !t.op.holds(val, t.limit) && v.Status != Fail {
			v.Status, v.At, v.WindowStart = Fail, end, startOf(i)
			if t.op == opEQ || t.op == opNE {
				v.Observed = val
			}
		}
	}
	switch {
	case windows == 0:
		v.Observed = 0
		return false
	case withData == 0:
		noData(v, "no observations in any %s window", fmtElapsed(t.over))
	case v.Status != Fail:
		v.Status = Pass
	}
	if longest > t.over+t.over/2 {
		v.Note = fmt.Sprintf("history too coarse for the window: windows up to %s", fmtElapsed(longest))
	}
	return true
}

// delta returns the query's value between cumulative samples i (exclusive;
// -1 for the start of the run) and j, and false when there is no data.
func (q *Query) delta(tl *timeline, i, j int, sc *scratch) (float64, bool) {
	b := tl.at(j)
	var a sample
	if i >= 0 {
		a = tl.at(i)
	}
	switch q.def.kind {
	case kindCounter:
		val := sub0(q.counterAt(&b), q.counterAt(&a))
		if stats.PlaybackMetric(q.name) { // a buffer model's, measured or not at all
			if sub0(playbackTime(&b), playbackTime(&a)) == 0 {
				return 0, false
			}
		} else if val == 0 && sub0(activity(&b), activity(&a)) == 0 {
			return 0, false
		}
		return float64(val), true
	case kindRate:
		sc.counters = *b.counters
		if a.counters != nil {
			sc.counters.Sub(a.counters)
		}
		var r stats.Rate
		if q.hasKind {
			r = q.def.rateBy(&sc.counters, q.kind)
		} else {
			r = q.def.rate(&sc.counters)
		}
		return r.Value, !r.NoData
	}
	h := b.hist(q.def.hist)
	if h == nil {
		return 0, false
	}
	if a.counters != nil {
		if ha := a.hist(q.def.hist); ha != nil && ha.Count > 0 {
			sc.hist.CopyFrom(h)
			sc.hist.Sub(ha)
			h = &sc.hist
		}
	}
	if h.Count == 0 {
		return 0, false
	}
	switch q.agg {
	case aggCount:
		return float64(h.Count), true
	case aggMin:
		return float64(h.Min), true
	case aggMax:
		return float64(h.Max), true
	case aggMean:
		return float64(h.Mean()), true
	}
	return float64(h.Quantile(q.q)), true
}

// counterAt reads the query's counter at a sample; 0 for the zero sample.
func (q *Query) counterAt(s *sample) uint64 {
	if s.counters == nil {
		return 0
	}
	switch {
	case q.hasKind:
		return q.def.byKind(s.counters, q.kind)
	case q.hasCode:
		var n uint64
		for _, sc := range s.status {
			if sc.Code >= q.codeLo && sc.Code <= q.codeHi {
				n += sc.Count
			}
		}
		return n
	}
	return q.def.count(s.counters)
}

// activity is what makes a counter of 0 an observation rather than no data:
// viewers made requests or wrote lines.
func activity(s *sample) uint64 {
	if s.counters == nil {
		return 0
	}
	return s.counters.TotalRequests() + s.counters.Lines()
}

// increase returns how much f of the counters grew from sample base
// (-1 for the start of the run) to sample last.
func increase(tl *timeline, base, last int, f func(*stats.Counters) uint64) uint64 {
	at := func(i int) uint64 {
		if i < 0 {
			return 0
		}
		if c := tl.at(i).counters; c != nil {
			return f(c)
		}
		return 0
	}
	return sub0(at(last), at(base))
}

// playbackTime is what makes a buffer model's counters observations: the
// playback time it measured (the native engine's viewers only).
func playbackTime(s *sample) uint64 {
	if s.counters == nil {
		return 0
	}
	return s.counters.PlaybackTime
}

func sub0(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// unmeasuredNote explains a latency without observations when the viewers
// did make such requests: their ends could not be read from ffmpeg's log.
// It is "" for other metrics and when there were no requests.
func (t *Threshold) unmeasuredNote(tl *timeline, base, last int) string {
	if stats.PlaybackMetric(t.query.name) {
		n := increase(tl, base, last, (*stats.Counters).TotalRequests)
		if n == 0 {
			return ""
		}
		return fmt.Sprintf(", though the viewers made %d requests: only the native engine (Config.Engine) measures playback with a buffer model; ffmpeg's log does not tell stalls", n)
	}
	if t.query.def.kind != kindDistribution || !t.query.def.history {
		return ""
	}
	n := increase(tl, base, last, func(c *stats.Counters) uint64 {
		if t.query.def.hist == histSegment || t.query.def.hist == histTTFB {
			return c.Requests[stats.KindSegment] + c.Requests[stats.KindInit]
		}
		return c.Requests[stats.KindManifest]
	})
	if n == 0 {
		return ""
	}
	if t.query.def.hist == histTTFB {
		return fmt.Sprintf(", though the viewers made %d such requests: only the native engine (Config.Engine) measures time to first byte; ffmpeg's log does not tell it", n)
	}
	return fmt.Sprintf(", though the viewers made %d such requests: ffmpeg's log marks the end of a response only on a connection it closes (Config.KeepAlive off over http, an ffmpeg with -http_persistent: see the run's start-up notes and segment_latency_coverage)", n)
}
