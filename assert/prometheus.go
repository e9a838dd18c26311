package assert

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/promapi"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// Prometheus names a run's series in a Prometheus server: the series its
// fleets pushed, wherever they ran (loadtest.Config.PushGateway, a
// Pushgateway that the server scrapes with honor_labels: true and native
// histograms enabled). Thresholds checked there are the run's global
// verdict: counts summed over every fleet, percentiles of all their
// viewers together from the native histograms.
type Prometheus struct {
	// URL is the server's base URL, such as http://127.0.0.1:9090.
	URL string
	// Selector selects the run's series: label matchers without braces,
	// such as `run_id="nightly-42"` or `test="TestOriginUnderLoad"`.
	Selector string
	// Start is when the run started; WarmUp the start of it that the
	// thresholds ignore, as loadtest.Config.WarmUp.
	Start  time.Time
	WarmUp time.Duration
	// Timeout bounds each query. Default 10s.
	Timeout time.Duration
}

// CheckPrometheus evaluates exprs over the run's series in Prometheus as
// they stood at time at (the zero time: now). It is [Check] for a run
// Prometheus holds: the same language and verdicts, with two limits:
// percentiles are within one native histogram bucket (about 9 %) of the
// fleets' own, and a distribution's min and max have no Prometheus form
// (an error; use a percentile such as p(99.9)). An error that is not
// [ErrThresholdsFailed] means Prometheus could not answer (or an
// expression was invalid); the verdicts it could give are returned too.
func CheckPrometheus(ctx context.Context, p Prometheus, at time.Time, exprs ...string) (Verdicts, error) {
	if len(exprs) == 0 {
		return nil, fmt.Errorf("%w: no expressions given", ErrInvalidThreshold)
	}
	set, err := threshold.Parse(exprs...)
	if err != nil {
		return nil, err
	}
	if p.Start.IsZero() {
		return nil, errors.New("assert: Prometheus.Start is zero; want the run's start (loadtest.Result.Start, or the shards' common start)")
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	client, err := promapi.New(p.URL, timeout)
	if err != nil {
		return nil, fmt.Errorf("assert: Prometheus.URL: %w", err)
	}
	defer client.Close()
	if at.IsZero() {
		at = time.Now()
	}
	vs, err := set.EvaluatePromQL(ctx, client, threshold.PromRun{Selector: p.Selector, Start: p.Start, WarmUp: p.WarmUp}, at)
	if err != nil {
		return vs, err
	}
	if vs.OK() {
		return vs, nil
	}
	return vs, fmt.Errorf("%w: %d of %d\n%s", ErrThresholdsFailed, len(vs.Failed()), len(vs), vs.Table())
}

// PrometheusThresholds checks every expression over the run's series in
// Prometheus now and fails the test once, with t.Errorf, when any of them
// does not pass, with the same table as [Thresholds]. It reports whether
// all passed.
func PrometheusThresholds(t TestingT, p Prometheus, exprs ...string) bool {
	if h, ok := t.(helperT); ok {
		h.Helper()
	}
	vs, err := CheckPrometheus(context.Background(), p, time.Time{}, exprs...)
	if err != nil && vs != nil && !errors.Is(err, ErrThresholdsFailed) {
		t.Errorf("thresholds in Prometheus %s: %v\n%s", p.URL, err, vs.Table())
		return false
	}
	return report(t, vs, err)
}
