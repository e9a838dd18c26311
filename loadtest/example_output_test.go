package loadtest_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/hlsswarm/hlsswarm/loadtest"
)

// finished is a Result as a short run of two viewers leaves it: plain data,
// so these examples need no ffmpeg.
func finished() *loadtest.Result {
	t0 := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	return &loadtest.Result{
		Schema: loadtest.ReportSchema,
		Test:   "TestOrigin",
		Config: loadtest.ConfigEcho{URL: "http://127.0.0.1:8080/live/master.m3u8", Clients: 2, Duration: 10 * time.Second},
		Start:  t0, End: t0.Add(10 * time.Second),
		FFmpeg:  loadtest.FFmpegInfo{Path: "/usr/bin/ffmpeg", Version: "5.1.9"},
		Clients: loadtest.ClientCounts{Target: 2, Total: 2, Ended: 2},
		Totals: loadtest.Totals{
			Requests: loadtest.KindCounts{Manifest: 20, Segment: 20},
			Bytes:    2_000_000, ProgressLines: 240, StderrLines: 400,
		},
		Rates:           loadtest.Rates{SegmentLatencyCoverage: 1},
		SegmentLatency:  loadtest.Distribution{Count: 20, Min: time.Millisecond, Mean: 3 * time.Millisecond, P50: 3 * time.Millisecond, P90: 4 * time.Millisecond, P95: 5 * time.Millisecond, P99: 6 * time.Millisecond, Max: 6 * time.Millisecond},
		ManifestLatency: loadtest.Distribution{Count: 20, Min: time.Millisecond, Mean: time.Millisecond, P50: time.Millisecond, P90: time.Millisecond, P95: 2 * time.Millisecond, P99: 2 * time.Millisecond, Max: 2 * time.Millisecond},
		Startup:         loadtest.Distribution{Count: 2, Min: 300 * time.Millisecond, Mean: 350 * time.Millisecond, P50: 300 * time.Millisecond, P90: 400 * time.Millisecond, P95: 400 * time.Millisecond, P99: 400 * time.Millisecond, Max: 400 * time.Millisecond},
		QoE:             loadtest.QoE{SpeedMin: 1, SpeedMean: 1},
		Exits:           map[string]int{"stopped": 2},
	}
}

func ExampleResult_Summary() {
	fmt.Print(finished().Summary())
	// Output:
	// hlsswarm: 2 viewers for 10s against http://127.0.0.1:8080/live/master.m3u8 (ffmpeg 5.1.9)
	// requests   manifest_requests 20  segment_requests 20  init_requests 0  unknown_requests 0  requests 40 (4.0/s)  bytes 2.0 MB
	// errors     http_errors 0 (http_error_rate 0.00%)  timeouts 0  reconnects 0  conn_refused 0  restarts 0  dropped_lines 0
	// latency            count  min    p50    p90    p95    p99    max
	//  segment_latency   20     1ms    3ms    4ms    5ms    6ms    6ms
	//  manifest_latency  20     1ms    1ms    1ms    2ms    2ms    2ms
	//  startup_time      2      300ms  300ms  400ms  400ms  400ms  400ms
	//            segment latency measured for 100% of 20 segment and init requests (segment_latency_coverage)
	// qoe        speed min 1.00 mean 1.00  stalled 0 (peak 0)  max drift -
	// generator  no reading
	// viewers    total 2  active at stop 0  ended 2  exits stopped 2
}

func ExampleReadReport() {
	var report bytes.Buffer
	if err := finished().WriteJSON(&report); err != nil { // or a file a run wrote with Config.ReportDir
		fmt.Println(err)
		return
	}
	res, err := loadtest.ReadReport(&report)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Test, res.Clients.Total, "viewers,", res.Totals.Requests.Total(), "requests, p95 segment latency", res.SegmentLatency.P95)

	_, err = loadtest.ReadReport(bytes.NewBufferString("hlsswarm: 2 viewers for 10s")) // a summary is no report
	fmt.Println(err)
	// Output:
	// TestOrigin 2 viewers, 40 requests, p95 segment latency 5ms
	// loadtest: decode report: invalid character 'h' looking for beginning of value
}

func ExampleConfig_Validate() {
	for _, cfg := range []loadtest.Config{
		{URL: "http://127.0.0.1:8080/live/master.m3u8", Clients: 50},
		{URL: "ftp://127.0.0.1/live/master.m3u8"},
		{URL: "http://127.0.0.1:8080/live/master.m3u8", Clients: -1},
		{URL: "http://127.0.0.1:8080/live/master.m3u8", WarmUp: -time.Second},
	} {
		fmt.Println(cfg.Validate())
	}
	// Output:
	// <nil>
	// loadtest: Config.URL = "ftp://127.0.0.1/live/master.m3u8" has scheme "ftp"; want http or https
	// loadtest: Config.Clients = -1; want 1..10000 (0 means 5)
	// loadtest: Config.WarmUp = -1s; want a duration >= 0 (0 means the default)
}
