package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/assert"
	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestNoSegmentFailsTheRun: an origin whose playlists are fine but whose
// every segment is a 404 loads nothing; the run fails naming why, though
// the test wrote no threshold at all. With AllowNoPlayback it is a log
// line.
func TestNoSegmentFailsTheRun(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(fixtures.Fault{
			Type: fixtures.FaultStatus, Status: 404, Kinds: []fixtures.Kind{fixtures.KindSegment, fixtures.KindInit}, Every: 1}))
		rec := &testkit.Recorder{TB: t, RealFatal: true}
		res := loadtest.Run(rec, loadtest.Config{
			URL: origin.URL(), Clients: 2, Ramp: 200 * time.Millisecond, Duration: 4 * time.Second,
			ProgressInterval: -1, RestartPolicy: loadtest.RestartNever, AllowNoPlayback: allow,
		})
		errs := rec.Errors()
		if allow {
			if len(errs) != 0 {
				t.Errorf("AllowNoPlayback: failures %q; want none", errs)
			}
			continue
		}
		if len(errs) != 1 {
			t.Fatalf("failures %q; want one", errs)
		}
		t.Logf("the failure: %s", errs[0])
		for _, want := range []string{"no viewer received a segment from " + origin.URL(), "404", "Config.AllowNoPlayback"} {
			if !strings.Contains(errs[0], want) {
				t.Errorf("failure %q; want it to name %q", errs[0], want)
			}
		}
		if res.Totals.Requests.Segment == 0 {
			t.Errorf("no segment requests: the viewers did not even try (%+v)", res.Totals)
		}
	}
}

// TestRefusedStartFailsTheRun: a viewer whose start the OS refuses (here
// the binary is gone by the time the fleet grows) is reported, not
// retried, left out of the counts, and fails the run with the OS error.
func TestRefusedStartFailsTheRun(t *testing.T) {
	t.Parallel()
	real := testkit.FFmpeg(t)
	wrapper := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec "+real+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &testkit.Recorder{TB: t, RealFatal: true}
	f := loadtest.Start(rec, loadtest.Config{
		URL: origin.URL(), Clients: 1, Ramp: time.Millisecond, Duration: 8 * time.Second,
		FFmpeg: wrapper, ProgressInterval: -1,
	})
	testkit.WaitFor(t, 10*time.Second, "the first viewer playing", func() bool {
		return f.Snapshot().Totals.Requests.Segment > 0
	})
	if err := os.Remove(wrapper); err != nil {
		t.Fatal(err)
	}
	if err := f.Scale(2); err != nil {
		t.Fatal(err)
	}
	res := f.Wait()
	errs := rec.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0], "1 viewer start failed") || !strings.Contains(errs[0], "no such file or directory") {
		t.Errorf("failures %q; want one naming the refused start and its OS error", errs)
	}
	if res.Clients.NeverStarted != 1 || res.Clients.Total != 1 || len(res.Viewers) != 1 || res.Exits["start-failed"] != 1 {
		t.Errorf("clients %+v, %d viewer rows, exits %v; want 1 viewer that ran, 1 never started, 1 failed start (not retried)",
			res.Clients, len(res.Viewers), res.Exits)
	}
	assert.Thresholds(t, res, "http_errors == 0", "segment_requests > 0")
}
