// Package stats holds the numbers of a fleet of HLS viewers: lock-free
// per-viewer counters and gauges ([Viewer]), mergeable latency histograms
// ([Histogram], [HistogramSnapshot]), one [Aggregator] that snapshots the
// fleet in a single pass, a bounded [History] of snapshots for windows and
// plots, the derived rates ([HTTPErrorRate], ...) and the catalogue of
// metric names ([Catalog]).
//
// # Data path
//
// Each viewer has one writer, its ffmpeg output parser, which calls the
// Viewer's Add*, ObserveLatency and ObserveProgress methods; every write is
// one or two atomic operations on memory no other viewer touches (viewers
// are padded against false sharing). Readers (the live progress line, the
// Prometheus collector, live thresholds, the final result) call
// [Aggregator.Snapshot], which reads every viewer without locks or maps and,
// given the same destination again, without allocating:
//
//	agg := stats.NewAggregator(stats.Options{})
//	v := agg.AddViewer(1)
//	v.AddRequest(stats.KindSegment)
//	v.ObserveLatency(stats.KindSegment, 40*time.Millisecond)
//
//	var snap stats.Snapshot
//	agg.Snapshot(&snap, false)
//	p95 := snap.SegmentLatency.Quantile(0.95)
//
// # Histograms
//
// Latencies go into log-linear histograms: exact below 256 ns, then 128
// buckets per doubling up to about 2.4 hours, so a quantile is off by at
// most 0.4 %. Count, Sum, Min and Max are exact. The segment and manifest
// latencies of all an Aggregator's viewers go into one pair of histograms
// (they take concurrent writers), so the fleet's p99 is the p99 of all
// requests, not a max or mean of per-viewer p99s, and a snapshot reads two
// histograms whatever the fleet's size. Because all histograms share one
// bucket layout, merging is a sum of buckets (histories, several fleets).
//
// # Windows
//
// Snapshots are cumulative. A [History] keeps one point per second (thinned
// evenly when full); the values over a window are the difference of two
// points ([Point.Delta], built on [Counters.Sub] and [HistogramSnapshot.Sub]).
//
// # Memory
//
// A viewer takes about 700 bytes, plus 4 KiB once it has seen more than six
// distinct HTTP status codes. The fleet's two latency histograms take about
// 340 bytes each and 1 KiB per doubling of latency seen (1 ms to 1 s:
// 10 KiB). A Snapshot with histograms holds three 37 KiB bucket
// arrays, reused from one snapshot to the next. See [History] for its cap.
//
// # Cost
//
// Recording is one or two atomic operations (an HTTP error: two; a latency:
// one compare-and-swap, see [Histogram]).
// A snapshot of 100 viewers without histograms takes under 2 µs and no
// allocation; the benchmarks in this package measure each path.
//
// # Rates
//
// A [Rate] whose denominator is 0 has NoData set and Value 0; no rate is
// ever NaN.
package stats
