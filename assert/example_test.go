package assert_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	gtassert "gotest.tools/v3/assert"
	"gotest.tools/v3/poll"

	"github.com/hlsswarm/hlsswarm/assert"
)

// t and res stand for a test's *testing.T and a loadtest result or running
// fleet in the compile-only examples.
var (
	t   = &testing.T{}
	res assert.Run
)

func ExampleThresholds() {
	// res := loadtest.Run(t, loadtest.Config{URL: origin.URL(), Clients: 50, Duration: 30 * time.Second})
	assert.Thresholds(t, res,
		"http_error_rate < 1% over 10s",
		"http_errors{code=503} == 0",
		"timeouts == 0",
		"p95(segment_latency) < 250ms",
		"p95(manifest_latency)? < 1s",
		"min(speed) >= 0.95",
		"max(clients_stalled) == 0 after 30s",
	)
}

func ExampleCheck() {
	run := burstRun() // 60 s with a 3 s burst of 503s
	verdicts, err := assert.Check(run, "http_error_rate < 1%", "http_error_rate < 1% over 10s")
	fmt.Println(errors.Is(err, assert.ErrThresholdsFailed))
	for _, v := range verdicts {
		fmt.Println(v)
	}
	// Output:
	// true
	// http_error_rate < 1%: observed 0.909%: ✓ pass
	// http_error_rate < 1% over 10s: observed 5.45%: ✗ fail at 31s (window 21s–31s)
}

func ExampleCheck_invalid() {
	_, err := assert.Check(burstRun(), "p95(segment_latency) < 250")
	fmt.Println(err)
	// Output:
	// invalid threshold at column 24: segment_latency is a duration: write the limit with a unit (ns, us, ms, s, m, h), e.g. 250ms, not "250"
	// 	p95(segment_latency) < 250
	// 	                       ^
}

func ExampleComparison() {
	gtassert.Check(t, assert.Comparison(res, "timeouts == 0", "http_error_rate < 1%"))
}

func ExampleEventually() {
	// fleet := loadtest.Start(t, cfg)
	poll.WaitOn(t, assert.Eventually(res, "segment_requests >= 500", "min(clients_active) >= 20"),
		poll.WithTimeout(30*time.Second), poll.WithDelay(time.Second))
}

func ExampleNoRegression() {
	tol := assert.DefaultTolerances()
	tol["p95(segment_latency)"] = assert.Tolerance{Relative: 0.2, Absolute: float64(5 * time.Millisecond)}
	assert.NoRegression(t, res, "testdata/baseline.json", tol)
}

func ExampleNoHTTPErrors() {
	assert.NoHTTPErrors(t, res)
	assert.NoTimeouts(t, res)
	assert.NoDroppedLines(t, res)
}

func ExampleCheckPrometheus() {
	// The global verdict of a run whose shards pushed to a Pushgateway
	// that this Prometheus scrapes, checked after the run.
	vs, err := assert.CheckPrometheus(context.Background(), assert.Prometheus{
		URL:      "http://127.0.0.1:9090",
		Selector: `run_id="nightly-42"`,
		Start:    time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC),
		WarmUp:   30 * time.Second,
	}, time.Time{}, "http_error_rate < 1%", "p95(segment_latency) < 500ms")
	if err != nil {
		fmt.Println(err)
	}
	_ = vs
}
