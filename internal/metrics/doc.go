// Package metrics exports a fleet's stats to Prometheus.
//
// A [Collector] reads one aggregator snapshot per scrape (never a running
// tally of its own, so nothing is counted twice) and turns the metric
// catalogue (stats.Catalog) into Prometheus metrics named
// hlsswarm_<catalogue name>:
//
//   - counters become Prometheus counters with the _total suffix
//     (hlsswarm_segment_requests_total, hlsswarm_bytes_total);
//     http_errors carries the label code ("0" for codes outside 100..599),
//     and hlsswarm_http_errors_by_kind_total counts them by the label kind;
//   - rates become gauges in [0,1]; http_error_rate has the label kind
//     ("all", "manifest", "segment", "init", "unknown"); a rate without
//     data (no requests yet) is left out rather than reported as 0;
//   - distributions (segment_latency, manifest_latency, startup_time,
//     and segment_ttfb once measured: the native engine) become
//     histograms in seconds named with _seconds
//     (hlsswarm_segment_latency_seconds), each with both layouts: native
//     (sparse exponential buckets of schema [NativeSchema], read by
//     Prometheus 2.40+ with native histograms enabled, and mergeable
//     across shards with sum and histogram_quantile) and classic
//     (the fixed bounds of [ClassicBuckets], for everything else);
//   - gauges: clients_active, clients_stalled, speed (label stat: "min",
//     "mean") and drift_seconds (the largest), both left out while no
//     viewer's speed is measured, and the generator's health.
//
// The text exposition passes promtool check metrics.
//
// The collector is registered on a registry its owner makes (loadtest's
// fleet); this package never touches the global registry.
package metrics
