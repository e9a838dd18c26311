// Package assert checks load-test runs against thresholds inside go test:
// a small threshold language over the hlsswarm metric catalogue, typed
// helpers, and baseline files for regression gates.
//
//	res := loadtest.Run(t, cfg)
//	assert.Thresholds(t, res,
//		"http_error_rate < 1% over 10s",
//		"timeouts == 0",
//		"p95(segment_latency) < 250ms",
//		"p95(manifest_latency)? < 1s",
//		"min(speed) >= 0.95",
//	)
//
// Every threshold is checked before the test fails, and it fails once
// (t.Errorf, so the test goes on) with one table:
//
//	thresholds: 4 of 9 failed
//	threshold                              observed   limit     verdict
//	http_error_rate < 1%                   0.909%     < 1%      ✓ pass
//	http_error_rate < 1% over 10s          5.45%      < 1%      ✗ fail at 31s (window 21s–31s)
//	http_error_rate < 10% over 10s         5.45%      < 10%     ✓ pass, worst 10s window
//	http_error_rate{kind=segment} < 0.5%   1%         < 0.5%    ✗ fail at 31s
//	http_errors{code=503} == 0             60         == 0      ✗ fail at 31s
//	p95(segment_latency) < 250ms           20ms       < 250ms   ✓ pass
//	min(speed) >= 0.95                     1x         >= 0.95   ✓ pass
//	http_error_rate{kind=init} < 1%        -          < 1%      ✗ no data: no observations
//	http_error_rate{kind=init}? < 1%       -          < 1%      ✓ no data (allowed): no observations
//
// For a window ("over"), observed is the worst window and the verdict
// names the first window that failed. "fail at" is when the threshold broke:
// the earliest moment at which checking the run so far would have failed.
//
// # Grammar
//
//	threshold = query [ "?" ] op value [ "over" duration ] [ "after" duration ]
//	query     = metric [ labels ] | agg "(" metric [ labels ] ")"
//	agg       = "p50" | "p90" | "p95" | "p99" | "p" digits [ "." digits ]
//	          | "p(" number ")" | "min" | "max" | "mean" | "avg" | "med" | "count"
//	labels    = "{" label { "," label } [ "," ] "}"
//	label     = name "=" ( name | number | quoted )
//	op        = "<" | "<=" | ">" | ">=" | "==" | "!="
//	value     = number [ unit ]
//	unit      = "ns" | "us" | "µs" | "ms" | "s" | "m" | "h"   durations
//	          | "%"                                          rates
//	          | "x"                                          speed
//	          | "B" | "kB" | "KB" | "MB" | "GB" | "KiB" | "MiB" | "GiB"   bytes
//	duration  = a Go duration such as 10s, 1m30s
//
// Spaces between tokens are optional; "over" and "after" may come in either
// order. A percentile with a fraction is written p(99.9)(segment_latency) or
// p99.9(segment_latency).
//
// # Metrics
//
// The names are those of the hlsswarm metric catalogue (the README lists
// them with their meaning):
//
//   - Counters compare their count: "timeouts == 0", "restarts <= 2",
//     "http_errors{code=503} == 0", "http_errors{code=5xx} == 0",
//     "http_errors{kind=segment} == 0", "bytes > 10MB". count(timeouts) is the
//     same as timeouts. Counters: manifest_requests, segment_requests,
//     init_requests, unknown_requests, requests, bytes, http_errors{code,kind},
//     reconnects, timeouts, conn_refused, restarts, progress_lines,
//     stderr_lines, dropped_lines, segment_failures, playlist_failures,
//     expired_skips; and, measured by the native engine's buffer model only
//     (no data on an ffmpeg run), playback_time, stalls, stall_time
//     ("stall_time < 2s over 30s") and rendition_switches. A code label takes a code (503), a class (5xx) or
//     "other" (outside 100..599); a kind label manifest, segment, init or
//     unknown.
//   - Rates take a fraction or a percent: "http_error_rate < 1%",
//     "http_error_rate{kind=segment} < 0.005", "timeout_rate < 0.1%",
//     "dropped_line_rate == 0", "rebuffer_ratio < 0.5%" (native engine
//     only).
//   - Distributions take an aggregation (p50 p90 p95 p99 p(N) min max mean
//     count) and a duration: "p95(segment_latency) < 250ms",
//     "p(99.9)(manifest_latency) < 1s", "max(startup_time) < 5s".
//   - Gauges take min, max or mean: "min(speed) >= 0.95",
//     "mean(speed) >= 0.99", "max(drift) < 5s", "max(clients_stalled) == 0",
//     "min(clients_active) >= 50". speed has min and mean, drift has max.
//   - The generator (the machine running the viewers) is read once a
//     second: "max(generator_cpu_pressure) < 20%",
//     "max(generator_sched_latency) < 50ms", "max(generator_fd_usage) < 50%",
//     "mean(generator_saturated) < 25%" (the share of saturated seconds).
//     A failing verdict whose window overlaps a saturated second says so
//     in its note: its figures may be the generator's, not the origin's.
//
// # Windows, warm-up and no data
//
// "over 10s" holds only if the condition holds in every 10 s window of the
// run's history (each history point against the latest point at least 10 s
// earlier; for gauges, the points within 10 s of each point), so a burst of
// 503s fails "http_error_rate < 1% over 10s" even when the whole run stays
// under 1 %. A run shorter than the window is evaluated as one window, and
// the verdict says so.
//
// Thresholds ignore the run's warm-up period (loadtest.Config): counters,
// rates and distributions count from the history point at the end of the
// warm-up; gauges read the points after it. "after 30s" overrides the
// warm-up for one threshold; "after 0s" checks the whole run. startup_time
// always covers the whole run (viewers start during the warm-up) and takes
// neither "over" nor "after".
//
// A threshold on a metric without observations fails with "no data"
// instead of passing silently: a rate without requests, a distribution
// without values, a counter while no viewer made a request or wrote a line,
// a gauge never reported. Written with "?" after the query, it passes:
// "p95(manifest_latency)? < 1s".
//
// # Errors
//
// An invalid expression fails the test (or, from [Check], returns an error
// wrapping [ErrInvalidThreshold]) with the column and the accepted names:
//
//	thresholds: 1 invalid expression:
//	invalid threshold at column 13: unknown label "status" on http_errors; valid labels: code, kind
//		http_errors{status=503} == 0
//		            ^
//
// # Baselines
//
// [NoRegression] compares key metrics with a JSON baseline kept in
// testdata and fails on a regression beyond [Tolerances]:
//
//	assert.NoRegression(t, res, "testdata/baseline.json", nil)
//
//	baseline: 5 of 8 metrics regressed against testdata/baseline.json
//	metric                  baseline   now     limit       change    verdict
//	http_error_rate         0%         1.82%   <= 0.5%     -         ✗ regressed
//	p50(segment_latency)    20ms       90ms    <= 40ms     +350.0%   ✗ regressed
//	p95(manifest_latency)   5ms        5ms     <= 27.5ms   +0.0%     ✓ ok
//	...
//	If the change is intended, rerun with HLSSWARM_UPDATE_BASELINE=1 to update the baseline.
//
// Run the test once with HLSSWARM_UPDATE_BASELINE=1 to write or refresh
// the file, and commit it.
//
// # Other forms
//
// [Check] returns the verdicts and an error for programmatic use;
// [Comparison] plugs into gotest.tools/v3/assert; [Eventually] waits with
// gotest.tools/v3/poll until thresholds hold on a running fleet.
// [NoHTTPErrors], [NoTimeouts] and [NoDroppedLines] are the common checks by
// name. Every function that takes a [TestingT] accepts *testing.T,
// testing.TB or any value with an Errorf method.
//
// # What assert judges
//
// A [Run]: *loadtest.Result (a finished run, also one read back with
// loadtest.ReadReport) and *loadtest.Fleet (a running fleet) are the ones
// hlsswarm makes. A Run evaluates the expressions itself (its Evaluate and
// Measure methods), and the verdicts are package verdict's types, so assert
// depends on no loadtest and loadtest on no assert.
package assert
