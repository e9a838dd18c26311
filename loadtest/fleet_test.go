package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// These tests run real ffmpeg viewers against fixture origins on
// loopback; each is bounded to a few viewers and seconds.

// TestRunMatchesOriginTruth is the main check: what the parsers counted
// equals what the origin served. At stop, a request ffmpeg has logged may
// not be complete at the origin yet (or the reverse for a request whose
// log line had not been written when the process was killed), so each
// kind may differ by the requests in flight: at most two per viewer (one
// connection per rendition).
//
// The 50-viewer case (about 26 s) is skipped with -short.
func TestRunMatchesOriginTruth(t *testing.T) {
	tests := []struct {
		clients  int
		duration time.Duration
	}{
		{5, 8 * time.Second},
		{50, 20 * time.Second},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d_viewers", tc.clients), func(t *testing.T) {
			if tc.clients > 10 && testing.Short() {
				t.Skip("50 viewers for 20 s: skipped with -short")
			}
			testRunMatchesOriginTruth(t, tc.clients, tc.duration)
		})
	}
}

func testRunMatchesOriginTruth(t *testing.T, clients int, duration time.Duration) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	r := Run(t, Config{URL: origin.URL(), Clients: clients, Duration: duration, Origin: origin})
	t.Log("\n" + r.Summary())

	if r.Origin == nil {
		t.Fatal("Result.Origin is nil; want the origin's counts (Config.Origin was set)")
	}
	for _, kind := range []string{"manifest", "segment", "init"} {
		ours, theirs := int64(r.Totals.Requests.Get(kind)), r.Origin.Count(kind)
		if d := ours - theirs; d > 2*int64(clients) || d < -2*int64(clients) {
			t.Errorf("%s requests: counted %d, origin served %d; want equal within %d in flight", kind, ours, theirs, 2*clients)
		}
	}
	// Capacity is BenchmarkFleet200's and make scale's to measure: on a
	// busy machine 50 starts took 5-7 s each, so this asks for half the
	// segments a quiet machine gets (one 1 s segment a second a viewer).
	if min := uint64(clients) * uint64(duration/time.Second) / 2; r.Totals.Requests.Segment < min {
		t.Errorf("segment requests = %d; want >= %d (1 s segments, one rendition per viewer, half of the run)", r.Totals.Requests.Segment, min)
	}
	if r.Totals.HTTPErrors != 0 || r.Totals.Timeouts != 0 || r.Totals.DroppedLines != 0 {
		t.Errorf("errors %d, timeouts %d, dropped lines %d; want none on a healthy origin",
			r.Totals.HTTPErrors, r.Totals.Timeouts, r.Totals.DroppedLines)
	}
	if got, want := r.Clients.Total, clients; got != want {
		t.Errorf("Clients.Total = %d; want %d", got, want)
	}
	if got, want := r.Exits["stopped"], clients; got != want {
		t.Errorf("Exits = %v; want %d stopped", r.Exits, want)
	}
	if r.StartLatency.Count < uint64(clients) || r.StartLatency.Max <= 0 || r.StartLatency.Max > duration {
		t.Errorf("StartLatency = %+v; want one value per start, each within the run", r.StartLatency)
	}
	if r.Startup.Count != uint64(clients) {
		t.Errorf("Startup.Count = %d; want %d (time to first segment, one per viewer)", r.Startup.Count, clients)
	}
	if r.QoE.SpeedMean <= 0 {
		t.Errorf("QoE.SpeedMean = %g; want > 0 from -progress", r.QoE.SpeedMean)
	}
	if len(r.History) < int(duration/time.Second)/2 { // about one a second; fewer on a starved machine
		t.Errorf("len(History) = %d; want about one point per second", len(r.History))
	}
	if pids := ffmpegsServing(t, origin.URL()); len(pids) != 0 {
		t.Errorf("ffmpeg processes left after Run: %v", pids)
	}
	if r.FFmpeg.Version == "" || r.FFmpeg.Path == "" {
		t.Errorf("FFmpeg = %+v; want the probed path and version", r.FFmpeg)
	}
}

func TestStartScaleStop(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	f := Start(t, Config{URL: origin.URL(), Clients: 2, Duration: time.Minute, ProgressInterval: -1})
	active := func(n int) func() bool {
		return func() bool { return f.Snapshot().Clients.Active == n }
	}
	testkit.WaitFor(t, 10*time.Second, "2 active viewers", active(2))
	if err := f.Scale(4); err != nil {
		t.Fatalf("Scale(4) = %v", err)
	}
	testkit.WaitFor(t, 10*time.Second, "4 active viewers after Scale(4)", active(4))
	if err := f.Scale(1); err != nil {
		t.Fatalf("Scale(1) = %v", err)
	}
	if got := f.Snapshot().Clients.Active; got != 1 {
		t.Errorf("active viewers right after Scale(1) = %d; want 1 (Scale waits for the stops)", got)
	}
	if got := len(ffmpegsServing(t, origin.URL())); got != 1 {
		t.Errorf("ffmpeg processes after Scale(1) = %d; want 1", got)
	}
	if err := f.Scale(-1); err == nil || !strings.Contains(err.Error(), "Scale(-1); want 0..10000") {
		t.Errorf("Scale(-1) = %v; want an error naming the accepted range", err)
	}

	stopped := time.Now()
	r := f.Stop()
	took := time.Since(stopped)
	if pids := ffmpegsServing(t, origin.URL()); len(pids) != 0 {
		t.Errorf("ffmpeg processes left after Stop: %v", pids)
	}
	if took > 3*time.Second {
		t.Errorf("Stop took %s; want about 1.5s at most", took)
	}
	if r2 := f.Stop(); r2 != r {
		t.Error("second Stop returned another Result; want the same (idempotent)")
	}
	if f.Wait() != r {
		t.Error("Wait after Stop returned another Result")
	}
	if got, want := r.Clients.Total, 4; got != want {
		t.Errorf("Clients.Total = %d; want %d (2 + 2 added, IDs not reused)", got, want)
	}
	if got, want := r.Clients.Target, 1; got != want {
		t.Errorf("Clients.Target = %d; want %d", got, want)
	}
	if r.Elapsed() > 50*time.Second {
		t.Errorf("Elapsed = %s; want the run to end at Stop", r.Elapsed())
	}
	if err := f.Scale(3); err != nil {
		t.Errorf("Scale on a stopped fleet = %v; want nil (no-op)", err)
	}
}

func TestContextCancelStopsFleet(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	ctx, cancel := context.WithCancel(context.Background())
	rec := &testkit.Recorder{TB: t, Ctx: ctx}
	f := Start(rec, Config{URL: origin.URL(), Clients: 2, Duration: time.Minute, ProgressInterval: -1})
	testkit.WaitFor(t, 10*time.Second, "2 active viewers", func() bool { return f.Snapshot().Clients.Active == 2 })
	cancel()
	select {
	case <-f.done:
	case <-time.After(5 * time.Second):
		t.Fatal("fleet still running 5s after its test context was cancelled")
	}
	if pids := ffmpegsServing(t, origin.URL()); len(pids) != 0 {
		t.Errorf("ffmpeg processes left after cancel: %v", pids)
	}
	if errs := rec.Errors(); len(errs) != 0 {
		t.Errorf("cancelling the context failed the test: %q", errs)
	}
}

func TestLiveThresholdAborts(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(fixtures.Fault{
		Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 3,
	}))
	rec := &testkit.Recorder{TB: t}
	begin := time.Now()
	r := Run(rec, Config{
		URL: origin.URL(), Clients: 2, Duration: 40 * time.Second, ProgressInterval: -1,
		Thresholds: []string{"timeouts == 0", "http_errors{code=503} == 0"},
	})
	took := time.Since(begin)
	if took > 20*time.Second {
		t.Errorf("Run took %s; want it to stop early on the breach", took)
	}
	if r.Aborted == nil {
		t.Fatalf("Result.Aborted = nil; want the 503 threshold\n%s", r.Summary())
	}
	if got, want := r.Aborted.Threshold, "http_errors{code=503} == 0"; got != want {
		t.Errorf("Aborted.Threshold = %q; want %q", got, want)
	}
	errs := rec.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0], `live threshold "http_errors{code=503} == 0" broke at`) {
		t.Errorf("test failures = %q; want one naming the threshold and when it broke", errs)
	}
	if !strings.Contains(r.Summary(), "ABORTED") {
		t.Errorf("Summary does not show the abort:\n%s", r.Summary())
	}
}

func TestMetricsServerAndReports(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	dir := t.TempDir()
	f := Start(t, Config{URL: origin.URL(), Clients: 1, Duration: 4 * time.Second, ProgressInterval: -1, MetricsAddr: ":0", ReportDir: dir})
	if !strings.HasPrefix(f.MetricsURL(), "http://127.0.0.1:") {
		t.Errorf("MetricsURL = %q; want loopback", f.MetricsURL())
	}
	testkit.WaitFor(t, 10*time.Second, "a segment request", func() bool { return f.Snapshot().Totals.Requests.Segment > 0 })
	resp, err := http.Get(f.MetricsURL())
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "hlsswarm_segment_requests_total{test=\"TestMetricsServerAndReports\"}") {
		t.Errorf("/metrics lacks hlsswarm_segment_requests_total:\n%s", body)
	}
	problems, err := testutil.GatherAndLint(f.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	r := f.Wait()
	if _, err := http.Get(f.MetricsURL()); err == nil {
		t.Error("/metrics still served after the run")
	}
	jf, err := os.Open(filepath.Join(dir, "TestMetricsServerAndReports.json"))
	if err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	defer jf.Close()
	back, err := ReadReport(jf)
	if err != nil {
		t.Fatalf("ReadReport: %v", err)
	}
	if !reflect.DeepEqual(back.Totals, r.Totals) {
		t.Errorf("report totals = %+v; want %+v", back.Totals, r.Totals)
	}
	page, err := os.ReadFile(filepath.Join(dir, "TestMetricsServerAndReports.html"))
	if err != nil || !strings.Contains(string(page), `<svg `) {
		t.Errorf("HTML report: %v, %d bytes without a chart", err, len(page))
	}
	prom, err := os.ReadFile(filepath.Join(dir, "TestMetricsServerAndReports.prom"))
	if err != nil {
		t.Fatalf("Prometheus snapshot: %v", err)
	}
	if !strings.Contains(string(prom), "# TYPE hlsswarm_segment_requests_total counter") {
		t.Errorf("Prometheus snapshot lacks the segment counter:\n%s", prom)
	}
	// The generator's readings: per second in the history, summed up in
	// Result.Generator, and the latest one in the Prometheus snapshot.
	if runtime.GOOS == "linux" {
		if !strings.Contains(string(prom), "hlsswarm_generator_fd_usage{") {
			t.Errorf("Prometheus snapshot lacks hlsswarm_generator_fd_usage:\n%s", prom)
		}
		if n := len(r.History); n == 0 || r.History[n-1].Generator == nil || r.History[n-1].Generator.FDs == nil {
			t.Errorf("the last history point has no generator reading: %+v", r.History)
		}
		if g := r.Generator; g.Seconds == 0 || g.FDsMax == nil || g.SchedLatencyMax == nil {
			t.Errorf("Result.Generator = %+v; want readings", g)
		}
		if !reflect.DeepEqual(back.Generator, r.Generator) {
			t.Errorf("report generator = %+v; want %+v", back.Generator, r.Generator)
		}
	}
}

func TestProgressLines(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &testkit.Recorder{TB: t}
	Run(rec, Config{URL: origin.URL(), Clients: 2, Duration: 3 * time.Second, ProgressInterval: time.Second})
	var progress []string
	for _, l := range rec.Logs() {
		if strings.HasPrefix(l, "hlsswarm ") {
			progress = append(progress, l)
		}
	}
	if len(progress) < 2 {
		t.Fatalf("progress lines = %q; want about one a second", progress)
	}
	last := progress[len(progress)-1]
	for _, want := range []string{"/3.2s viewers 2/2", "req/s manifest", "segment", "errors 0", "timeouts 0", "p95 segment", "stalled 0", "dropped lines 0"} {
		if !strings.Contains(last, want) {
			t.Errorf("progress line %q lacks %q", last, want)
		}
	}
}

func TestFailingViewerLogsItsErrorOnce(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &testkit.Recorder{TB: t}
	r := Run(rec, Config{URL: origin.BaseURL() + "/nosuch.m3u8", Clients: 3, Duration: 4 * time.Second, ProgressInterval: -1, AllowNoPlayback: true})
	var failures []string
	for _, l := range rec.Logs() {
		if strings.Contains(l, "ffmpeg failed") {
			failures = append(failures, l)
		}
	}
	exits := r.Exits["error"]
	if exits < 3 {
		t.Fatalf("error exits = %d (%v); want every viewer to fail, with restarts", exits, r.Exits)
	}
	if len(failures) != 1 {
		t.Fatalf("logged %d failures for %d error exits; want the same 404 failure logged once:\n%s", len(failures), exits, strings.Join(failures, "\n"))
	}
	if !strings.Contains(failures[0], "404") {
		t.Errorf("failure log %q; want ffmpeg's own error text (404)", failures[0])
	}
	if len(r.StartErrors) == 0 {
		t.Error("Result.StartErrors is empty; want the ffmpeg error text")
	}
}

func TestMissingFFmpegFailsWithInstallHint(t *testing.T) {
	rec := &testkit.Recorder{TB: t}
	rec.Go(func() {
		Start(rec, Config{URL: "http://127.0.0.1:1/a.m3u8", FFmpeg: "/nonexistent/ffmpeg", AllowNoPlayback: true})
	})
	errs := rec.Errors()
	if len(errs) != 1 {
		t.Fatalf("failures = %q; want one", errs)
	}
	for _, want := range []string{"ffmpeg not found", "apt-get install", "HLSSWARM_FFMPEG", "Config.FFmpeg"} {
		if !strings.Contains(errs[0], want) {
			t.Errorf("failure %q lacks %q", errs[0], want)
		}
	}
}

func TestStartFailsFast(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		deadline time.Duration
		want     string
	}{
		{"bad config", Config{URL: "ftp://x/a.m3u8"}, 0, `has scheme "ftp"; want http or https`},
		{"bad threshold", Config{URL: "http://127.0.0.1:1/a.m3u8", Thresholds: []string{"p95(nosuch) < 1s"}}, 0, "Config.Thresholds"},
		{"deadline", Config{URL: "http://127.0.0.1:1/a.m3u8", Duration: time.Minute}, 10 * time.Second, "the run needs 1m3.5s (Ramp 500ms + Duration 1m0s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &testkit.Recorder{TB: t}
			if tc.deadline > 0 {
				rec.DeadlineAt = time.Now().Add(tc.deadline)
			}
			rec.Go(func() { Start(rec, tc.cfg) })
			errs := rec.Errors()
			if len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
				t.Errorf("failures = %q; want one containing %q", errs, tc.want)
			}
		})
	}
}

func TestThresholdDelay(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &testkit.Recorder{TB: t}
	begin := time.Now()
	r := Run(rec, Config{
		URL: origin.URL(), Clients: 1, Duration: 30 * time.Second, ProgressInterval: -1,
		Thresholds: []string{"requests == 0"}, ThresholdDelay: 3 * time.Second,
	})
	took := time.Since(begin)
	if r.Aborted == nil || r.Aborted.Threshold != "requests == 0" {
		t.Fatalf("Aborted = %+v; want the requests threshold", r.Aborted)
	}
	if took < 3*time.Second || took > 10*time.Second {
		t.Errorf("Run took %s; want the abort after the 3s ThresholdDelay, well before 30s", took)
	}
	if len(rec.Errors()) != 1 {
		t.Errorf("failures = %q; want one", rec.Errors())
	}
}

// TestLiveViewerEndedEarlyIsRestarted: without keep-alive, ffmpeg 5.1 ends
// with status 0 on a single 500 to a live media playlist reload. The
// stream is live (the fleet read its media playlist), so that exit is
// "ended-early", not "clean", and RestartOnFailure (the default) starts
// the viewer again: the fleet keeps its size.
func TestLiveViewerEndedEarlyIsRestarted(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	rec := &testkit.Recorder{TB: t}
	f := Start(rec, Config{URL: origin.URL(), Clients: 2, Ramp: 200 * time.Millisecond, Duration: 8 * time.Second,
		KeepAlive: KeepAliveOff, ProgressInterval: -1})
	// The fault must hit a reload, not a viewer's first load of its
	// playlist (a 500 there is an error exit): wait until both play.
	testkit.WaitFor(t, 20*time.Second, "2 viewers playing", func() bool {
		playing := 0
		for _, v := range f.Snapshot().Viewers {
			if v.Active && v.Requests.Segment > 0 {
				playing++
			}
		}
		return playing == 2
	})
	if err := origin.SetFaults(fixtures.Fault{Type: fixtures.FaultStatus, Status: 500, Kinds: []fixtures.Kind{fixtures.KindMedia}, Limit: 2}); err != nil {
		t.Fatal(err)
	}
	r := f.Wait()
	faults := origin.Snapshot().Faults[fixtures.FaultStatus]
	if faults != 2 {
		t.Fatalf("origin injected %d faults; want 2", faults)
	}
	early := r.Exits[exitEndedEarly]
	if early == 0 || r.Exits["clean"] != 0 {
		t.Errorf("exits = %v; want some %q (a 500 on a live reload ends ffmpeg 0) and no clean one", r.Exits, exitEndedEarly)
	}
	if r.Totals.Restarts != uint64(early) {
		t.Errorf("restarts = %d; want one per ended-early exit (%d)", r.Totals.Restarts, early)
	}
	if r.Clients.Active != 2 {
		t.Errorf("active viewers at the end = %d; want 2 (restarted)", r.Clients.Active)
	}
	var logged bool
	for _, l := range rec.Logs() {
		logged = logged || strings.Contains(l, "ended early")
	}
	if !logged {
		t.Errorf("logs %q; want the early end logged", rec.Logs())
	}
}
