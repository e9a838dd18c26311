// Package threshold is the threshold language of hlsswarm: it parses
// expressions such as "p95(segment_latency) < 250ms over 10s" against the
// metric catalogue (stats.Catalog) and evaluates them on a run's final
// snapshot and its history. Package assert is its public face; loadtest uses
// it to abort a running fleet early.
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
//	value     = number [ unit ]   unit: ns us µs ms s m h | % | x | B kB KB MB GB KiB MiB GiB
//
// "over" and "after" may come in either order.
//
// # Semantics
//
// Counters compare their count (timeouts == 0); rates a fraction or
// percent (http_error_rate < 1%); distributions need an aggregation and a
// duration (p95(segment_latency) < 250ms); gauges need min, max or mean
// (min(speed) >= 0.95, max(drift) < 5s).
//
// Counters, rates and distributions are cumulative: the value over the run
// is the final snapshot minus the history point at the end of the warm-up
// ([Source.WarmUpPeriod], or "after"). With "over W" the condition must hold
// in every window of the history: each point paired with the latest point at
// least W before it (windows never start inside the warm-up). Gauges are
// read from the history points from the warm-up on; their windows are the
// points within W before each point. A run shorter than W is evaluated as
// one window, and a history thinned to a resolution coarser than W gives
// longer windows; the verdict's Note says so.
//
// A metric with no observations in the range (a rate with a zero
// denominator, an empty histogram, a counter in a range where no viewer made
// a request or wrote a line, a gauge never reported) gives the verdict
// [NoData], which fails, unless the threshold is written with "?", which
// makes it [NoDataAllowed]. startup_time is recorded once per viewer start
// and not kept in the history: it covers the whole run and takes neither
// "over" nor "after".
//
// # Live evaluation
//
// Parse once, then call [Set.Evaluate] (or [Set.AppendVerdicts] with a
// reused slice) every second on the running fleet, and abort on
// [Verdicts.Breached]; a verdict without data is not a breach while the
// fleet runs. [Verdict.At] is when the threshold broke, and [Verdict.String]
// names the threshold, the observed value and that time. Counters, min and
// max only grow worse, so their early breach is final; a rate or a
// percentile over few observations can breach at the start and recover,
// which is why a delay before the first live evaluation (or a warm-up) helps.
//
// Cost, measured by BenchmarkSetEvaluateWide: three windowed thresholds on
// a full 600-point history with latencies spread over 1 ms..1 s take a few
// milliseconds per evaluation and allocate nothing.
package threshold
