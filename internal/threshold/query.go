package threshold

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// aggKind is the aggregation a query applies.
type aggKind uint8

const (
	aggNone     aggKind = iota // counters (their count) and rates (their value)
	aggCount                   // count(counter) or count(distribution): number of observations
	aggQuantile                // pN, p(N)
	aggMin
	aggMax
	aggMean
)

// distributionAggs lists the aggregations of a distribution for messages.
const distributionAggs = "p50, p90, p95, p99, p(N) such as p(99.9), min, max, mean, count"

// Query is the left-hand side of a threshold: a metric, its label selection
// and an aggregation, such as p95(segment_latency) or
// http_errors{code=503}. [Query.Measure] reads it from a [Source].
type Query struct {
	text string
	name string
	def  metricDef
	agg  aggKind
	q    float64 // aggQuantile: quantile in (0,1]

	kind    stats.Kind
	hasKind bool

	codeLo, codeHi int // status codes selected, inclusive; 0,0 = "other"
	hasCode        bool
}

// String returns the query as written.
func (q *Query) String() string { return q.text }

// Metric returns the catalogue name of the queried metric.
func (q *Query) Metric() string { return q.name }

// Quantile returns the quantile, in (0,1], of a percentile query (p95,
// p(99.9), med) and true; false for any other aggregation.
func (q *Query) Quantile() (float64, bool) { return q.q, q.agg == aggQuantile }

// Unit returns the unit of the query's values.
func (q *Query) Unit() Unit {
	if q.agg == aggCount && q.def.kind == kindDistribution {
		return UnitCount
	}
	return q.def.unit
}

// ParseQuery parses a query on its own, without comparison, as used for
// baselines: "p95(segment_latency)", "http_error_rate{kind=segment}",
// "min(speed)". Errors wrap [ErrInvalidThreshold].
func ParseQuery(expr string) (*Query, error) {
	p := &parser{sc: scanner{src: expr}}
	p.advance()
	st := &syntax{expr: expr}
	p.selector(st)
	st.selectorEnd = p.tok.pos
	if p.err == nil && p.tok.kind != tokenEOF {
		p.fail(p.tok, "expected the end of the query, found %s", p.tok.describe())
	}
	if p.err != nil {
		return nil, p.err
	}
	q, err := resolveQuery(st)
	if err != nil {
		return nil, err
	}
	return q, nil
}

// resolveQuery checks a parsed selector against the metric catalogue.
func resolveQuery(st *syntax) (*Query, *Error) {
	m, ok := lookupMetric(st.metric)
	if !ok {
		names := metricNames()
		return nil, errorAt(st.expr, st.metricPos, "unknown metric %q%s; valid metrics: %s",
			st.metric, suggest(st.metric, names), strings.Join(names, ", "))
	}
	def, ok := definitions()[m.Name]
	if !ok {
		return nil, errorAt(st.expr, st.metricPos, "metric %q cannot be used in thresholds", st.metric)
	}
	q := &Query{text: strings.TrimSpace(st.expr[:st.selectorEnd]), name: m.Name, def: def}
	if err := q.resolveAgg(st); err != nil {
		return nil, err
	}
	var allowed []string
	for _, l := range m.Labels {
		if slices.Contains(def.labels, l) {
			allowed = append(allowed, l)
		}
	}
	if err := q.resolveLabels(st, allowed); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Query) resolveAgg(st *syntax) *Error {
	name, agg := q.name, st.agg
	switch q.def.kind {
	case kindCounter:
		switch agg {
		case "":
			q.agg = aggNone
		case "count":
			q.agg = aggCount
		default:
			return errorAt(st.expr, st.aggPos, "%s is a counter and is compared by its count: write %s == 0 or count(%s), not %s(%s)",
				name, name, name, agg, name)
		}
	case kindRate:
		if agg != "" {
			return errorAt(st.expr, st.aggPos, "%s is a rate and takes no aggregation: write %s < 1%%, not %s(%s)",
				name, name, agg, name)
		}
	case kindDistribution:
		return q.resolveDistributionAgg(st)
	case kindGauge:
		if agg == "avg" {
			agg = "mean"
		}
		valid := strings.Join(q.def.aggs, ", ")
		if agg == "" {
			return errorAt(st.expr, st.metricPos, "%s is a gauge: choose an aggregation (%s), e.g. %s(%s)",
				name, valid, q.def.aggs[0], name)
		}
		if !slices.Contains(q.def.aggs, agg) {
			return errorAt(st.expr, st.aggPos, "aggregation %q does not apply to the gauge %s; valid: %s",
				st.agg, name, valid)
		}
		q.agg = map[string]aggKind{"min": aggMin, "max": aggMax, "mean": aggMean}[agg]
	}
	return nil
}

func (q *Query) resolveDistributionAgg(st *syntax) *Error {
	name := q.name
	switch st.agg {
	case "":
		return errorAt(st.expr, st.metricPos, "%s is a distribution: choose an aggregation (%s), e.g. p95(%s)",
			name, distributionAggs, name)
	case "min":
		q.agg = aggMin
	case "max":
		q.agg = aggMax
	case "mean", "avg":
		q.agg = aggMean
	case "count":
		q.agg = aggCount
	case "med":
		q.agg, q.q = aggQuantile, 0.5
	default:
		text, pos := "", 0
		switch {
		case st.agg == "p":
			text, pos = st.pct, st.pctPos
		case len(st.agg) > 1 && st.agg[0] == 'p' && isPercentile(st.agg[1:]):
			text, pos = st.agg[1:], st.aggPos
		default:
			return errorAt(st.expr, st.aggPos, "unknown aggregation %q for the distribution %s%s; valid: %s",
				st.agg, name, suggest(st.agg, []string{"p50", "p90", "p95", "p99", "min", "max", "mean", "count"}), distributionAggs)
		}
		v, ok := parsePlainNumber(text)
		if !ok {
			return errorAt(st.expr, pos, "percentile %q is not a number; write p95 or p(99.9)", text)
		}
		if v <= 0 || v > 100 {
			return errorAt(st.expr, pos, "percentile %s is outside (0,100]", text)
		}
		// Scale in decimal so that p(99.9) is the float64 nearest 0.999.
		q.agg, q.q = aggQuantile, v/100
		if f, err := strconv.ParseFloat(text+"e-2", 64); err == nil {
			q.q = f
		}
	}
	return nil
}

func (q *Query) resolveLabels(st *syntax, allowed []string) *Error {
	seen := map[string]bool{}
	for _, l := range st.labels {
		if len(allowed) == 0 {
			return errorAt(st.expr, l.namePos, "%s has no labels", q.name)
		}
		if !slices.Contains(allowed, l.name) {
			return errorAt(st.expr, l.namePos, "unknown label %q on %s%s; valid labels: %s",
				l.name, q.name, suggest(l.name, allowed), strings.Join(allowed, ", "))
		}
		if seen[l.name] {
			return errorAt(st.expr, l.namePos, "label %q given twice", l.name)
		}
		seen[l.name] = true
		switch l.name {
		case "kind":
			k, ok := stats.ParseKind(l.value)
			if !ok {
				names := make([]string, 0, stats.NumKinds)
				for k := range stats.NumKinds {
					names = append(names, k.String())
				}
				return errorAt(st.expr, l.valuePos, "unknown kind %q%s; valid kinds: %s",
					l.value, suggest(l.value, names), strings.Join(names, ", "))
			}
			q.kind, q.hasKind = k, true
		case "code":
			lo, hi, ok := parseCode(l.value)
			if !ok {
				return errorAt(st.expr, l.valuePos, "invalid status code %q; write a code such as 503, a class such as 5xx, or other", l.value)
			}
			q.codeLo, q.codeHi, q.hasCode = lo, hi, true
		}
		if q.hasKind && q.hasCode {
			return errorAt(st.expr, l.namePos, "%s selects by code or by kind, not both", q.name)
		}
	}
	return nil
}

// isPercentile reports whether s has the form digits[.digits].
func isPercentile(s string) bool {
	i, f, dot := strings.Cut(s, ".")
	return isAllDigits(i) && (!dot || isAllDigits(f))
}

// parseCode parses a status code selector: 100..599, a class 1xx..5xx, or
// "other" (code 0: outside 100..599).
func parseCode(s string) (lo, hi int, ok bool) {
	if s == "other" {
		return 0, 0, true
	}
	if len(s) == 3 && s[0] >= '1' && s[0] <= '5' && strings.EqualFold(s[1:], "xx") {
		c := int(s[0]-'0') * 100
		return c, c + 99, true
	}
	c, err := strconv.Atoi(s)
	if err != nil || c < 100 || c > 599 || !isAllDigits(s) {
		return 0, 0, false
	}
	return c, c, true
}

// Measure reads the query on src over the run after the warm-up, as a
// threshold without "over" would, and reports false when there is no data.
// For a distribution it is the aggregation of the values after the warm-up;
// for a gauge its min, max or mean over the history points.
func (q *Query) Measure(src Source) (float64, bool) {
	t := Threshold{text: q.text, query: q, op: opLE, limit: math.Inf(1)}
	v := t.Evaluate(src)
	return v.Observed, v.Status != NoData
}
