package loadtest_test

import (
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

func ExampleShard() {
	// The same test runs in every pod of a Kubernetes Indexed Job with
	// JOB_COMPLETION_INDEX set by Kubernetes and HLSSWARM_SHARDS,
	// HLSSWARM_RUN_ID, HLSSWARM_START_AT and HLSSWARM_REPORT_DIR by the
	// manifest: each pod runs its share of the 2,000 viewers, with global
	// ids, and writes <test>.shard-<i>-of-<n>.json to the report directory.
	loadtest.Run(t, loadtest.Config{
		URL:        "https://cdn.example.test/live/master.m3u8",
		Clients:    2000, // the whole run's
		Ramp:       2 * time.Minute,
		Duration:   10 * time.Minute,
		Thresholds: []string{"http_error_rate < 1%", "p95(segment_latency) < 500ms"},
	})
}

func ExampleMergeReportFiles() {
	// A final step, once every shard is done: one verdict for the run.
	merged, err := loadtest.MergeReportFiles("/reports")
	if err != nil {
		t.Fatal(err)
	}
	assert.Thresholds(t, merged, "http_error_rate < 1%", "p95(segment_latency) < 500ms over 1m")
	if err := merged.WriteReportFile("/reports/merged/run.json"); err != nil {
		t.Fatal(err)
	}
}
