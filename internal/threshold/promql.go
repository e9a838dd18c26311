package threshold

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/metrics"
	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// PromRun says which series and which part of time a PromQL translation
// covers: the series of one run (every fleet or shard of it, wherever it
// ran) as Prometheus holds them.
type PromRun struct {
	// Selector selects the run's series: label matchers without braces,
	// such as `run_id="nightly-42"`.
	Selector string
	// Start is when the run started (its shards' common start).
	Start time.Time
	// WarmUp is the start of the run that thresholds ignore, unless a
	// threshold says "after".
	WarmUp time.Duration
}

// ErrNoPromQL is wrapped by the error of a threshold that has no PromQL
// form.
var ErrNoPromQL = errors.New("threshold has no PromQL form")

// PromQL returns the PromQL expression whose value, evaluated by an
// instant query at time at, is what the threshold's query measures over
// the run so far, summed over every series of the run: cumulative
// counters, rates and histograms from the end of the warm-up (or "after")
// to at, and with "over W" the worst window of W in that span; gauges
// aggregated over the fleets each second (viewers summed, the slowest
// viewer's speed, the largest drift, the worst generator) and then over
// time. Native histograms give the percentiles, within one bucket of the
// stats histograms. Distributions' min and max have no PromQL form
// (Prometheus histograms keep no extremes): the error wraps ErrNoPromQL.
func (t *Threshold) PromQL(run PromRun, at time.Time) (string, error) {
	q := t.query
	from := run.Start.Add(run.WarmUp)
	if t.hasAfter {
		from = run.Start.Add(t.after)
	}
	if q.def.kind == kindDistribution && !q.def.history {
		from = run.Start // startup_time: recorded once per start, warm-up or not
	}
	span := at.Sub(from).Truncate(time.Second)
	if span < time.Second {
		span = time.Second
	}
	p := promSeries{sel: run.Selector}
	if q.def.kind == kindGauge {
		return p.gauge(q, t.op, t.over, span), nil
	}
	measure, err := p.cumulative(q)
	if err != nil {
		return "", fmt.Errorf("%s: %w", t.text, err)
	}
	if t.over == 0 || t.over >= span {
		// One span: values at "at" less values at its start (or the values
		// at "at" when no series existed then).
		at := fmt.Sprintf(" @ %d", from.Unix())
		return measure(func(c series) string { return delta(c, at) }), nil
	}
	off := " offset " + promDuration(t.over)
	window := measure(func(c series) string { return delta(c, off) })
	// Every window must hold: take the worst one ending in the span.
	return fmt.Sprintf("%s((%s)[%s:1s])", t.op.worstOverTime(), window, promDuration(span-t.over+time.Second)), nil
}

// series is a PromQL expression over cumulative series, given the
// modifier (" @ 1700000000", " offset 10s" or "") that follows each of its
// selectors, as PromQL wants modifiers right after a selector.
type series func(mod string) string

// delta returns the increase of c since the time mod selects: c now less
// c then, or c now when no series existed then.
func delta(c series, mod string) string {
	return fmt.Sprintf("((%s) - (%s) or (%s))", c(""), c(mod), c(""))
}

// worstOverTime is the PromQL function that picks the worst value over
// time for o: the largest for < and <= (and for == and != the largest,
// as counters only grow), the smallest for > and >=.
func (o op) worstOverTime() string {
	if o == opGT || o == opGE {
		return "min_over_time"
	}
	return "max_over_time"
}

// promSeries builds PromQL over the series of one run.
type promSeries struct{ sel string }

// promName returns the Prometheus name of a catalogue metric.
func promName(catalogue string) string {
	m, _ := stats.LookupMetric(catalogue)
	return metrics.Name(m)
}

// agg returns fn(name{sel, extra}) as a series.
func (p promSeries) agg(fn, name string, extra ...string) series {
	matchers := append([]string{}, extra...)
	if p.sel != "" {
		matchers = append([]string{p.sel}, matchers...)
	}
	sel := fmt.Sprintf("%s{%s}", name, strings.Join(matchers, ","))
	return func(mod string) string { return fmt.Sprintf("%s(%s%s)", fn, sel, mod) }
}

// sparse returns the sum of a counter whose series exist only once it
// counted (one series per status code or kind seen): 0 while the run
// made requests but the counter has no series yet.
func (p promSeries) sparse(name string, extra ...string) series {
	s, requests := p.agg("sum", name, extra...), p.agg("sum", promName("requests"))
	return func(mod string) string { return fmt.Sprintf("(%s or 0 * %s)", s(mod), requests(mod)) }
}

// cumulative returns a function that builds the query's measure given
// how to take the increase of one cumulative series over the span or a
// window.
func (p promSeries) cumulative(q *Query) (func(inc func(series) string) string, error) {
	switch q.def.kind {
	case kindCounter:
		c := p.counter(q)
		return func(inc func(series) string) string { return inc(c) }, nil
	case kindRate:
		num, den, err := p.rate(q)
		if err != nil {
			return nil, err
		}
		return func(inc func(series) string) string {
			return fmt.Sprintf("%s / %s", inc(num), inc(den))
		}, nil
	case kindDistribution:
		h := p.agg("sum", promName(q.name))
		switch q.agg {
		case aggQuantile:
			return func(inc func(series) string) string {
				return fmt.Sprintf("histogram_quantile(%g, %s) * 1e9", q.q, inc(h))
			}, nil
		case aggCount:
			return func(inc func(series) string) string {
				return fmt.Sprintf("histogram_count(%s)", inc(h))
			}, nil
		case aggMean:
			return func(inc func(series) string) string {
				d := inc(h)
				return fmt.Sprintf("histogram_sum(%s) / histogram_count(%s) * 1e9", d, d)
			}, nil
		}
		return nil, fmt.Errorf("%w: Prometheus histograms keep no minimum or maximum; use a percentile such as p(99.9)", ErrNoPromQL)
	}
	return nil, fmt.Errorf("%w: %s is a %s", ErrNoPromQL, q.name, q.def.kind)
}

// counter returns the summed series of a counter query.
func (p promSeries) counter(q *Query) series {
	switch {
	case q.name == "http_errors" && q.hasKind:
		return p.sparse(metrics.HTTPErrorsByKind, fmt.Sprintf("kind=%q", q.kind.String()))
	case q.name == "http_errors" && q.hasCode:
		return p.sparse(promName(q.name), codeMatcher(q.codeLo, q.codeHi))
	case q.name == "http_errors":
		return p.sparse(promName(q.name))
	}
	name := promName(q.name)
	c := p.agg("sum", name)
	if strings.HasSuffix(name, "_seconds_total") { // thresholds count nanoseconds
		return func(mod string) string { return fmt.Sprintf("(%s * 1e9)", c(mod)) }
	}
	return c
}

// rate returns the numerator and denominator series of a rate query.
func (p promSeries) rate(q *Query) (num, den series, err error) {
	requests := p.agg("sum", promName("requests"))
	switch q.name {
	case "http_error_rate":
		if q.hasKind {
			return p.sparse(metrics.HTTPErrorsByKind, fmt.Sprintf("kind=%q", q.kind.String())),
				p.agg("sum", promName(q.kind.String()+"_requests")), nil
		}
		return p.sparse(promName("http_errors")), requests, nil
	case "timeout_rate":
		return p.agg("sum", promName("timeouts")), requests, nil
	case "dropped_line_rate":
		progress, stderr := p.agg("sum", promName("progress_lines")), p.agg("sum", promName("stderr_lines"))
		return p.agg("sum", promName("dropped_lines")),
			func(mod string) string { return fmt.Sprintf("(%s + %s)", progress(mod), stderr(mod)) }, nil
	case "rebuffer_ratio":
		return p.agg("sum", promName("stall_time")), p.agg("sum", promName("playback_time")), nil
	case "segment_latency_coverage":
		h := p.agg("sum", promName("segment_latency"))
		seg, init := p.agg("sum", promName("segment_requests")), p.agg("sum", promName("init_requests"))
		return func(mod string) string { return fmt.Sprintf("histogram_count(%s)", h(mod)) },
			func(mod string) string { return fmt.Sprintf("(%s + %s)", seg(mod), init(mod)) }, nil
	}
	return nil, nil, fmt.Errorf("%w: rate %s", ErrNoPromQL, q.name)
}

// gauge returns the PromQL of a gauge query: the fleets' values combined
// each second (viewers summed; the slowest speed, the largest drift, the
// worst generator), then aggregated over the span, or with "over W" the
// worst window's mean.
func (p promSeries) gauge(q *Query, o op, over, span time.Duration) string {
	name := promName(q.name)
	var across series
	switch q.name {
	case "clients_active", "clients_stalled":
		across = p.agg("sum", name)
	case "speed":
		if q.agg == aggMean {
			across = p.agg("avg", name, `stat="mean"`)
		} else {
			across = p.agg("min", name, `stat="min"`)
		}
	case "drift":
		across = p.agg("max", name)
	default: // the generators
		fn := "max"
		if q.agg == aggMean {
			fn = "avg"
		}
		across = p.agg(fn, name)
	}
	expr := across("")
	if strings.HasSuffix(name, "_seconds") {
		expr = fmt.Sprintf("(%s * 1e9)", expr)
	}
	overTime := map[aggKind]string{aggMin: "min_over_time", aggMax: "max_over_time", aggMean: "avg_over_time"}[q.agg]
	if over == 0 || over >= span || q.agg != aggMean {
		// min and max over every window are min and max over the span.
		return fmt.Sprintf("%s(%s[%s:1s])", overTime, expr, promDuration(span))
	}
	inner := fmt.Sprintf("avg_over_time(%s[%s:1s])", expr, promDuration(over))
	return fmt.Sprintf("%s(%s[%s:1s])", o.worstOverTime(), inner, promDuration(span-over+time.Second))
}

// codeMatcher returns the label matcher of status codes lo..hi: code 0
// is "other", a whole hundred a regular expression such as 5.., any
// other range the list of its codes.
func codeMatcher(lo, hi int) string {
	switch {
	case lo == hi:
		return fmt.Sprintf("code=%q", fmt.Sprint(lo))
	case lo%100 == 0 && hi == lo+99:
		return fmt.Sprintf(`code=~"%d.."`, lo/100)
	}
	codes := make([]string, 0, hi-lo+1)
	for c := lo; c <= hi; c++ {
		codes = append(codes, fmt.Sprint(c))
	}
	return fmt.Sprintf("code=~%q", strings.Join(codes, "|"))
}

// promDuration prints d in whole seconds, as PromQL ranges take it.
func promDuration(d time.Duration) string {
	return fmt.Sprintf("%ds", int64(max(d, time.Second)/time.Second))
}
