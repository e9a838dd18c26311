package e2e

import (
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestOriginUnderLoad is the example to copy: a healthy live origin, 20
// real ffmpeg viewers for 20 s, and the thresholds a release gate would
// hold it to. Run it with make load (go test -v) to see the summary.
func TestOriginUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a 20 s load test with 20 ffmpeg viewers; run it without -short")
	}
	origin := fixtures.NewOrigin(t, fixtures.Live{})

	res := loadtest.Run(t, loadtest.Config{
		URL:      origin.URL(),
		Clients:  20,
		Duration: 20 * time.Second,
		WarmUp:   5 * time.Second, // thresholds skip the ramp and the first segments
		Origin:   origin,          // cross-check the parsers with the origin's counts
	})
	t.Log("\n" + res.Summary())

	assert.Thresholds(t, res,
		"http_error_rate < 1%",
		"http_error_rate < 1% over 5s",
		"timeouts == 0",
		"dropped_lines == 0",
		"p95(segment_latency) < 250ms",
		"p95(manifest_latency) < 250ms",
		"max(clients_stalled) == 0",
		"min(clients_active) >= 20",
		"max(startup_time) < 10s",
	)
}
