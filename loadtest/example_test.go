package loadtest_test

import (
	"os"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// The examples run real ffmpeg fleets, so they are compile-only: t stands
// for the *testing.T of a test function.
var t = &testing.T{}

func ExampleRun() {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	res := loadtest.Run(t, loadtest.Config{
		URL:      origin.URL(),
		Clients:  50,
		Duration: 20 * time.Second,
		Origin:   origin, // cross-check the parsers with the origin's own counts
	})
	t.Log("\n" + res.Summary())
	if res.Totals.HTTPErrors > 0 {
		t.Errorf("%d HTTP errors (%v)", res.Totals.HTTPErrors, res.Totals.Status)
	}
}

func ExampleRun_liveThresholds() {
	// A breach stops the fleet early and fails the test, naming the
	// threshold and when it broke.
	loadtest.Run(t, loadtest.Config{
		URL:            "http://127.0.0.1:8080/live/master.m3u8",
		Clients:        100,
		Duration:       5 * time.Minute,
		WarmUp:         10 * time.Second,
		Thresholds:     []string{"http_error_rate < 1%", "p95(segment_latency) < 250ms over 10s"},
		ThresholdDelay: 15 * time.Second,
	})
}

func ExampleRun_globalThresholds() {
	// One shard of a run spread over many machines (Config.Shard, RunID
	// and StartAt come from the environment of a Kubernetes Indexed Job).
	// Each shard pushes its metrics to the Pushgateway; every shard checks
	// the run's global thresholds in the Prometheus that scrapes it, and
	// all stop within seconds of the first breach.
	loadtest.Run(t, loadtest.Config{
		URL:              "https://cdn.example.test/live/master.m3u8",
		Clients:          10000, // the whole run's: each shard plays its share
		Duration:         10 * time.Minute,
		WarmUp:           30 * time.Second,
		PushGateway:      "http://pushgateway:9091",
		PrometheusURL:    "http://prometheus:9090",
		GlobalThresholds: []string{"http_error_rate < 1%", "p95(segment_latency) < 500ms over 30s"},
		ThresholdDelay:   time.Minute,
	})
}

func ExampleStart() {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	fleet := loadtest.Start(t, loadtest.Config{URL: origin.URL(), Clients: 20, Duration: time.Minute})

	time.Sleep(10 * time.Second)
	// Break the origin while the fleet plays.
	if err := origin.SetFaults(fixtures.Fault{Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindSegment}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second)
	if got := fleet.Snapshot().Totals.HTTPErrorsFor(503); got == 0 {
		t.Error("no 503 seen by the viewers")
	}
	res := fleet.Stop() // idempotent; t.Cleanup would stop it too
	t.Log("\n" + res.Summary())
}

func ExampleFleet_Scale() {
	fleet := loadtest.Start(t, loadtest.Config{URL: "http://127.0.0.1:8080/live/master.m3u8", Clients: 10, Duration: time.Minute})
	time.Sleep(10 * time.Second)
	if err := fleet.Scale(50); err != nil { // 40 more, at the ramp's pace
		t.Fatal(err)
	}
	time.Sleep(20 * time.Second)
	if err := fleet.Scale(5); err != nil { // returns once 45 viewers are gone
		t.Fatal(err)
	}
	fleet.Wait()
}

func ExampleResult_ReportMetrics() {
	benchmark := func(b *testing.B) {
		origin := fixtures.NewOrigin(b, fixtures.Live{})
		var res *loadtest.Result
		for b.Loop() {
			res = loadtest.Run(b, loadtest.Config{URL: origin.URL(), Clients: 20, Duration: 10 * time.Second})
		}
		res.ReportMetrics(b) // p95-segment-ms, errors/op, ... for benchstat
	}
	_ = benchmark
}

func ExampleResult_WriteHTML() {
	// A run with a report directory writes <test>.html beside its JSON
	// (so does go test -artifacts); WriteHTML renders any Result, here one
	// read back from a report.
	f, err := os.Open("reports/TestOriginUnderLoad.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := loadtest.ReadReport(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create("reports/TestOriginUnderLoad.html")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := res.WriteHTML(out); err != nil {
		t.Fatal(err)
	}
}

func ExampleEngine() {
	// Thousands of live viewers on a laptop: the native engine plays in
	// Go (no ffmpeg needed) and records into the same stats, so the same
	// thresholds judge it. Keep ffmpeg, the default, where its real
	// demuxer matters.
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	res := loadtest.Run(t, loadtest.Config{
		URL:      origin.URL(),
		Clients:  2000,
		Ramp:     2 * time.Second, // 1,000 starts a second
		Duration: 30 * time.Second,
		Engine:   loadtest.EngineNative,
		Origin:   origin,
	})
	t.Log("\n" + res.Summary())
}
