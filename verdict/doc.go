// Package verdict holds the outcomes of hlsswarm thresholds: a [Verdict]
// per expression, its [Status], the [Unit] of its values, and the
// [Measurement] of one query. It is the vocabulary shared by the packages
// that produce outcomes (loadtest evaluates thresholds on a *loadtest.Result
// or a running *loadtest.Fleet) and the package that judges them (assert
// fails a test with their table); it depends on neither.
//
// A failing set prints as one table, as assert shows it:
//
//	threshold                       observed   limit     verdict
//	http_error_rate < 1% over 10s   5.45%      < 1%      ✗ fail at 31s (window 21s–31s)
//	p95(segment_latency) < 250ms    20ms       < 250ms   ✓ pass
package verdict
