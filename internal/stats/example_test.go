package stats_test

import (
	"fmt"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// A parser records into its viewer; anyone snapshots the fleet.
func ExampleAggregator() {
	agg := stats.NewAggregator(stats.Options{})
	for id := range 3 {
		v := agg.AddViewer(id)
		v.Started(time.Now())
		for i := range 100 {
			v.AddRequest(stats.KindSegment)
			v.ObserveLatency(stats.KindSegment, time.Duration(10+i)*time.Millisecond)
		}
		if id == 2 {
			v.AddRequest(stats.KindSegment)
			v.AddHTTPError(stats.KindSegment, 404)
		}
	}

	var snap stats.Snapshot // reuse it: later snapshots do not allocate
	agg.Snapshot(&snap, false)
	fmt.Println("active:", snap.Clients.Active)
	fmt.Println("requests:", snap.TotalRequests())
	fmt.Println("404s:", snap.HTTPErrorsFor(404))
	fmt.Printf("http_error_rate: %.4f\n", stats.HTTPErrorRate(&snap.Counters).Value)
	fmt.Println("p50 segment latency:", snap.SegmentLatency.Quantile(0.5).Round(time.Millisecond))
	fmt.Println("max segment latency:", snap.SegmentLatency.Max)
	// Output:
	// active: 3
	// requests: 301
	// 404s: 1
	// http_error_rate: 0.0033
	// p50 segment latency: 59ms
	// max segment latency: 109ms
}

// Histograms of different viewers merge exactly: the merged p99 is the p99
// of all values.
func ExampleHistogramSnapshot_Merge() {
	var fast, slow stats.Histogram
	for i := 1; i <= 900; i++ {
		fast.Record(time.Duration(i) * time.Microsecond * 10) // 10µs .. 9ms
	}
	for i := 1; i <= 100; i++ {
		slow.Record(time.Duration(i) * 10 * time.Millisecond) // 10ms .. 1s
	}
	var a, b stats.HistogramSnapshot
	fast.Snapshot(&a)
	slow.Snapshot(&b)
	a.Merge(&b)
	fmt.Println("count:", a.Count)
	fmt.Println("p99:", a.Quantile(0.99).Round(time.Millisecond))
	// Output:
	// count: 1000
	// p99: 900ms
}

// A rate with nothing to divide by is flagged, never NaN.
func ExampleRate() {
	var c stats.Counters
	r := stats.TimeoutRate(&c)
	fmt.Println(r.Value, r.NoData)
	// Output: 0 true
}

// A History keeps one cumulative point per second; the difference of two
// points is the window between them.
func ExampleHistory() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	agg := stats.NewAggregator(stats.Options{Now: clock})
	v := agg.AddViewer(1)
	hist := stats.NewHistory(0)
	var snap stats.Snapshot
	for sec := 1; sec <= 30; sec++ {
		now = now.Add(time.Second)
		v.AddRequest(stats.KindSegment)
		if sec > 20 {
			v.AddTimeout()
		}
		agg.Snapshot(&snap, false)
		hist.Add(&snap)
	}
	pts := hist.Points()
	last := pts[len(pts)-1]
	tenBefore := pts[len(pts)-11]
	win := last.Delta(&tenBefore)
	fmt.Println("points:", len(pts))
	fmt.Println("timeouts over the last 10 s:", win.Counters.Timeouts)
	fmt.Println("timeout_rate over the last 10 s:", stats.TimeoutRate(&win.Counters).Value)
	// Output:
	// points: 30
	// timeouts over the last 10 s: 10
	// timeout_rate over the last 10 s: 1
}
