package threshold

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

func TestParseThresholdValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr   string
		metric string
		agg    aggKind
		q      float64
		op     op
		limit  float64
		unit   Unit
		over   time.Duration
		after  time.Duration
		opt    bool
	}{
		{expr: "http_error_rate < 0.01", metric: "http_error_rate", op: opLT, limit: 0.01, unit: UnitRatio},
		{expr: "http_error_rate < 1%", metric: "http_error_rate", op: opLT, limit: 0.01, unit: UnitRatio},
		{expr: "http_error_rate{kind=segment} < 0.5%", metric: "http_error_rate", op: opLT, limit: 0.005, unit: UnitRatio},
		{expr: "timeouts == 0", metric: "timeouts", op: opEQ, unit: UnitCount},
		{expr: "count(timeouts) <= 3", metric: "timeouts", agg: aggCount, op: opLE, limit: 3, unit: UnitCount},
		{expr: "http_errors{code=503} == 0", metric: "http_errors", op: opEQ, unit: UnitCount},
		{expr: "http_errors{code=5xx} == 0", metric: "http_errors", op: opEQ, unit: UnitCount},
		{expr: `http_errors{kind="manifest",} != 1`, metric: "http_errors", op: opNE, limit: 1, unit: UnitCount},
		{expr: "p95(segment_latency) < 250ms", metric: "segment_latency", agg: aggQuantile, q: 0.95, op: opLT, limit: 250e6, unit: UnitDuration},
		{expr: "p(99.9)(segment_latency) < 1s", metric: "segment_latency", agg: aggQuantile, q: 0.999, op: opLT, limit: 1e9, unit: UnitDuration},
		{expr: "p99.9(manifest_latency) < 1.5s", metric: "manifest_latency", agg: aggQuantile, q: 0.999, op: opLT, limit: 1.5e9, unit: UnitDuration},
		{expr: "p(100)(segment_latency)<=2m", metric: "segment_latency", agg: aggQuantile, q: 1, op: opLE, limit: 120e9, unit: UnitDuration},
		{expr: "med(segment_latency) < 100us", metric: "segment_latency", agg: aggQuantile, q: 0.5, op: opLT, limit: 100e3, unit: UnitDuration},
		{expr: "mean(startup_time) < 2s", metric: "startup_time", agg: aggMean, op: opLT, limit: 2e9, unit: UnitDuration},
		{expr: "max(segment_latency) < 0", metric: "segment_latency", agg: aggMax, op: opLT, unit: UnitDuration},
		{expr: "count(segment_latency) > 100", metric: "segment_latency", agg: aggCount, op: opGT, limit: 100, unit: UnitCount},
		{expr: "p95(manifest_latency)? < 1s", metric: "manifest_latency", agg: aggQuantile, q: 0.95, op: opLT, limit: 1e9, unit: UnitDuration, opt: true},
		{expr: "min(speed) >= 0.95", metric: "speed", agg: aggMin, op: opGE, limit: 0.95, unit: UnitSpeed},
		{expr: "mean(speed) >= 0.99x", metric: "speed", agg: aggMean, op: opGE, limit: 0.99, unit: UnitSpeed},
		{expr: "max(drift) < 5s", metric: "drift", agg: aggMax, op: opLT, limit: 5e9, unit: UnitDuration},
		{expr: "max(clients_stalled) == 0", metric: "clients_stalled", agg: aggMax, op: opEQ, unit: UnitCount},
		{expr: "bytes > 1.5MB", metric: "bytes", op: opGT, limit: 1.5e6, unit: UnitBytes},
		{expr: "bytes > 2KiB", metric: "bytes", op: opGT, limit: 2048, unit: UnitBytes},
		{expr: "http_error_rate < 1% over 10s", metric: "http_error_rate", op: opLT, limit: 0.01, unit: UnitRatio, over: 10 * time.Second},
		{expr: "  timeouts == 0 after 30s over 1m  ", metric: "timeouts", op: opEQ, unit: UnitCount, over: time.Minute, after: 30 * time.Second},
		{expr: "timeouts==0 after 0", metric: "timeouts", op: opEQ, unit: UnitCount},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			th, err := ParseThreshold(tt.expr)
			if err != nil {
				t.Fatalf("ParseThreshold(%q): %v", tt.expr, err)
			}
			q := th.Query()
			if q.Metric() != tt.metric || q.agg != tt.agg || q.q != tt.q || q.Unit() != tt.unit {
				t.Errorf("query = %s agg %d q %v unit %d; want %s agg %d q %v unit %d",
					q.Metric(), q.agg, q.q, q.Unit(), tt.metric, tt.agg, tt.q, tt.unit)
			}
			if th.op != tt.op || th.limit != tt.limit || th.over != tt.over || th.after != tt.after || th.optional != tt.opt {
				t.Errorf("threshold = %s %v over %v after %v opt %v; want %s %v over %v after %v opt %v",
					th.op, th.limit, th.over, th.after, th.optional, tt.op, tt.limit, tt.over, tt.after, tt.opt)
			}
			if got, want := th.String(), strings.TrimSpace(tt.expr); got != want {
				t.Errorf("String() = %q; want %q", got, want)
			}
			if q.String() == "" || !strings.HasPrefix(th.String(), q.String()) {
				t.Errorf("Query().String() = %q; want the start of %q", q.String(), th.String())
			}
		})
	}
}

func TestParseThresholdLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr       string
		kind       stats.Kind
		hasKind    bool
		codeLo, hi int
		hasCode    bool
	}{
		{expr: "http_errors{code=503} == 0", codeLo: 503, hi: 503, hasCode: true},
		{expr: "http_errors{code=4xx} == 0", codeLo: 400, hi: 499, hasCode: true},
		{expr: "http_errors{code=other} == 0", codeLo: 0, hi: 0, hasCode: true},
		{expr: "http_errors{kind=init} == 0", kind: stats.KindInit, hasKind: true},
		{expr: "http_error_rate{kind=manifest} < 1%", kind: stats.KindManifest, hasKind: true},
	}
	for _, tt := range tests {
		th, err := ParseThreshold(tt.expr)
		if err != nil {
			t.Fatalf("ParseThreshold(%q): %v", tt.expr, err)
		}
		q := th.Query()
		if q.kind != tt.kind || q.hasKind != tt.hasKind || q.codeLo != tt.codeLo || q.codeHi != tt.hi || q.hasCode != tt.hasCode {
			t.Errorf("%s: kind %v/%v code %d..%d/%v; want kind %v/%v code %d..%d/%v", tt.expr,
				q.kind, q.hasKind, q.codeLo, q.codeHi, q.hasCode, tt.kind, tt.hasKind, tt.codeLo, tt.hi, tt.hasCode)
		}
	}
}

func TestParseThresholdErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want string
	}{
		{
			expr: "p95(segment_latncy) < 250ms",
			want: "invalid threshold at column 5: unknown metric \"segment_latncy\" (did you mean \"segment_latency\"?); valid metrics: " +
				strings.Join(metricNames(), ", ") + "\n\tp95(segment_latncy) < 250ms\n\t    ^",
		},
		{
			expr: "http_errors{status=503} == 0",
			want: "invalid threshold at column 13: unknown label \"status\" on http_errors; valid labels: code, kind\n\thttp_errors{status=503} == 0\n\t            ^",
		},
		{
			expr: "p(0)(segment_latency) < 1s",
			want: "invalid threshold at column 3: percentile 0 is outside (0,100]\n\tp(0)(segment_latency) < 1s\n\t  ^",
		},
		{
			expr: "p95(segment_latency) < 250",
			want: "invalid threshold at column 24: segment_latency is a duration: write the limit with a unit (ns, us, ms, s, m, h), e.g. 250ms, not \"250\"\n\tp95(segment_latency) < 250\n\t                       ^",
		},
		{
			expr: "http_error_rate < 5",
			want: "invalid threshold at column 19: http_error_rate is a rate: 5 is outside [0,1]; write 5% for a percent\n\thttp_error_rate < 5\n\t                  ^",
		},
		{
			expr: "timeouts = 0",
			want: "invalid threshold at column 10: expected a comparison operator (<, <=, >, >=, ==, !=), found \"=\"\n\ttimeouts = 0\n\t         ^",
		},
		{
			expr: "segment_latency < 1s",
			want: "invalid threshold at column 1: segment_latency is a distribution: choose an aggregation (" + distributionAggs + "), e.g. p95(segment_latency)\n\tsegment_latency < 1s\n\t^",
		},
		{
			expr: "speed > 0.9",
			want: "invalid threshold at column 1: speed is a gauge: choose an aggregation (min, mean), e.g. min(speed)\n\tspeed > 0.9\n\t^",
		},
	}
	for _, tt := range tests {
		_, err := ParseThreshold(tt.expr)
		if err == nil {
			t.Errorf("ParseThreshold(%q) = nil error; want %q", tt.expr, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("ParseThreshold(%q) error:\n%s\nwant:\n%s", tt.expr, got, tt.want)
		}
		if !errors.Is(err, ErrInvalidThreshold) {
			t.Errorf("ParseThreshold(%q) error does not wrap ErrInvalidThreshold", tt.expr)
		}
	}
}

func TestParseThresholdInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		col  int    // column of the caret
		msg  string // part of the message
	}{
		{"", 1, "expected a metric name"},
		{"   ", 4, "expected a metric name"},
		{"timeouts", 9, "expected a comparison operator"},
		{"timeouts <", 11, "expected a value"},
		{"timeouts < 0 extra", 14, `expected "over <duration>"`},
		{"timeouts < 0 over", 18, "expected a duration"},
		{"timeouts < 0 over 0s", 19, "not a positive duration"},
		{"timeouts < 0 over 10", 19, "not a positive duration"},
		{"timeouts < 0 over 10s over 5s", 23, `"over" given twice`},
		{"timeouts < 0 after -1s", 20, "expected a duration"},
		{"timeouts < 1s", 12, "timeouts is a count"},
		{"timeouts < 1%", 12, "timeouts is a count"},
		{"p95(timeouts) < 1", 1, "timeouts is a counter and is compared by its count"},
		{"p95(http_error_rate) < 1%", 1, "http_error_rate is a rate and takes no aggregation"},
		{"http_error_rate < 1ms", 19, "http_error_rate is a rate"},
		{"http_error_rate < 101%", 19, "percent between 0% and 100%"},
		{"p95(segment_latency) < 1%", 24, "is a duration, not a rate"},
		{"p95(segment_latency) < 1parsec", 24, "is not a duration"},
		{"p101(segment_latency) < 1s", 1, "percentile 101 is outside (0,100]"},
		{"p999(segment_latency) < 1s", 1, "percentile 999 is outside (0,100]"},
		{"p(100.5)(segment_latency) < 1s", 3, "percentile 100.5 is outside (0,100]"},
		{"p(5ms)(segment_latency) < 1s", 3, `percentile "5ms" is not a number`},
		{"p(segment_latency) < 1s", 3, "expected a percentile"},
		{"p(95) segment_latency < 1s", 7, `expected "(" and a metric name`},
		{"p96x(segment_latency) < 1s", 1, `unknown aggregation "p96x"`},
		{"mode(segment_latency) < 1s", 1, "valid: p50, p90, p95, p99"},
		{"max(speed) < 2", 1, `aggregation "max" does not apply to the gauge speed; valid: min, mean`},
		{"min(drift) < 2s", 1, "valid: max"},
		{"min(speed) >= fast", 15, "expected a value"},
		{"min(speed >= 1", 11, `expected ")" after the metric`},
		{"timeouts{kind=segment} == 0", 10, "timeouts has no labels"},
		{"http_errors{code=503,code=504} == 0", 22, `label "code" given twice`},
		{"http_errors{code=503,kind=segment} == 0", 22, "selects by code or by kind, not both"},
		{"http_errors{code=600} == 0", 18, `invalid status code "600"`},
		{"http_errors{code=6xx} == 0", 18, `invalid status code "6xx"`},
		{"http_errors{kind=segmnt} == 0", 18, `unknown kind "segmnt" (did you mean "segment"?); valid kinds: manifest, segment, init, unknown`},
		{"http_errors{code 503} == 0", 18, `expected "=" after the label name`},
		{"http_errors{code=503 == 0", 22, `expected "," or "}" in the label set`},
		{`http_errors{kind="segment} == 0`, 18, "unterminated string"},
		{"http_errors{code=} == 0", 18, "expected a label value"},
		{"timeouts ! 0", 10, "expected a comparison operator"},
		{"timeouts => 0", 10, "expected a comparison operator"},
		{"timeouts < 0x10", 12, "timeouts is a count"},
		{"timeouts < 1e3", 12, "timeouts is a count"},
		{"timeouts < 1..2", 12, "timeouts is a count"},
		{"timeöuts < 1", 5, `unexpected "ö", expected a comparison operator`},
		{"p95(startup_time) < 1s over 10s", 29, "startup_time is recorded once per viewer start"},
		{"p95(startup_time) < 1s after 10s", 30, "over and after do not apply"},
		{"min(speed) >= 0.9 over 1h30", 24, "not a positive duration"},
		{"SEGMENT_REQUESTS > 1", 1, `unknown metric "SEGMENT_REQUESTS"`},
	}
	for _, tt := range tests {
		_, err := ParseThreshold(tt.expr)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("ParseThreshold(%q) error = %v; want an *Error", tt.expr, err)
			continue
		}
		if e.Column != tt.col || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("ParseThreshold(%q) = column %d %q; want column %d containing %q", tt.expr, e.Column, e.Msg, tt.col, tt.msg)
		}
	}
}

func TestParseJoinsErrors(t *testing.T) {
	t.Parallel()
	_, err := Parse("timeouts == 0", "timeoutz == 0", "p95(segment_latency) < 2")
	if !errors.Is(err, ErrInvalidThreshold) {
		t.Fatalf("Parse error = %v; want ErrInvalidThreshold", err)
	}
	msg := err.Error()
	for _, want := range []string{`unknown metric "timeoutz" (did you mean "timeouts"?)`, "segment_latency is a duration"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Parse error %q does not contain %q", msg, want)
		}
	}
	s, err := Parse("timeouts == 0", "min(speed) > 0.9")
	if err != nil || s.Len() != 2 {
		t.Fatalf("Parse = %v, %v; want 2 thresholds", s, err)
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	q, err := ParseQuery(" p95(segment_latency) ")
	if err != nil || q.String() != "p95(segment_latency)" || q.Unit() != UnitDuration {
		t.Fatalf("ParseQuery = %v, %v", q, err)
	}
	th, err := ParseThreshold("http_errors{code=503}? == 0 over 10s")
	if err != nil || th.Query().String() != "http_errors{code=503}" {
		t.Fatalf("ParseThreshold query = %v, %v", th.Query(), err)
	}
	if q, err := ParseQuery("count(bytes)"); err != nil || q.Unit() != UnitBytes {
		t.Errorf("count(bytes) unit = %v, %v; want bytes", q.Unit(), err)
	}
	if _, err := ParseQuery("p95(segment_latency) < 1s"); err == nil || !strings.Contains(err.Error(), "expected the end of the query") {
		t.Errorf("ParseQuery with a comparison: error %v", err)
	}
}

// TestCatalogCovered checks that every catalogue metric can be used in a
// threshold, with the catalogue's type and labels.
func TestCatalogCovered(t *testing.T) {
	t.Parallel()
	defs := definitions()
	kinds := map[stats.MetricType]metricKind{stats.MetricCounter: kindCounter, stats.MetricRate: kindRate,
		stats.MetricDistribution: kindDistribution, stats.MetricGauge: kindGauge}
	for _, m := range stats.Catalog() {
		d, ok := defs[m.Name]
		if !ok {
			t.Errorf("catalogue metric %s has no threshold reader", m.Name)
			continue
		}
		if kinds[m.Type] != d.kind {
			t.Errorf("%s: catalogue type %v, threshold reader %v", m.Name, m.Type, d.kind)
		}
		if strings.Join(m.Labels, ",") != strings.Join(d.labels, ",") {
			t.Errorf("%s: catalogue labels %v, threshold reader labels %v", m.Name, m.Labels, d.labels)
		}
	}
	if got, want := len(defs), len(stats.Catalog()); got != want {
		t.Errorf("%d readers for %d catalogue metrics", got, want)
	}
}
