// Package loadtest runs a fleet of real ffmpeg HLS viewers from a Go test
// and returns what they measured.
//
//	func TestOriginUnderLoad(t *testing.T) {
//		origin := fixtures.NewOrigin(t, fixtures.Live{})
//		res := loadtest.Run(t, loadtest.Config{URL: origin.URL(), Clients: 50, Duration: 20 * time.Second, Origin: origin})
//		t.Log(res.Summary())
//		assert.Thresholds(t, res, "http_error_rate < 1%", "p95(segment_latency) < 250ms")
//	}
//
// [Run] blocks for the ramp plus the duration and returns a [Result];
// [Start] returns a running [Fleet] at once, for tests that change the
// origin or the fleet size ([Fleet.Scale]) during the run.
//
// # What a run costs
//
// Run takes Config.Ramp + Config.Duration, plus under a second to stop
// the viewers (SIGTERM, a second SIGTERM after 150 ms, SIGKILL after
// 700 ms). The zero Config{URL: u} runs 5 viewers, started over 0.5 s, for
// 10 s. Each viewer is one ffmpeg process, whose start costs far more CPU
// than a second of playing; the default ramp starts 10 viewers a second so
// that starts do not queue behind each other. The harness itself (one
// goroutine reading every viewer's log, the parsers, the stats) costs CPU
// per log line read, a small share of what the viewers' ffmpeg processes
// use; the README's Performance section gives the measured figures, from
// BenchmarkFleet200 (make bench) and make scale, and Start warns when a
// fleet will not fit the machine. If ramp + duration would outlive the
// test binary's deadline (go test -timeout), Start fails at once naming
// both figures rather than being killed mid-run.
//
// # Engines
//
// Config.Engine chooses what plays each viewer: EngineFFmpeg (the
// default), an ffmpeg process per viewer as described here, or
// EngineNative, a Go player per viewer (a goroutine sharing the fleet's
// one HTTP/1.1 keep-alive client, with a player's reload cadence, live
// start and buffer model), which needs no ffmpeg and holds thousands of
// live viewers on two cores. Both record into the same stats; see [Engine].
//
// # ffmpeg
//
// The viewers are real ffmpeg processes (4.1 or newer; the tests use
// Debian's 5.1). The binary is Config.FFmpeg, else the environment
// variable HLSSWARM_FFMPEG, else "ffmpeg" on PATH. It is probed once per
// binary for the life of the test binary (a probe runs ffmpeg several times) for its
// version and the options it accepts, and every viewer's arguments are
// built from what the probe found. A binary without -rw_timeout or
// -protocol_whitelist fails Start: no viewer runs without its safety flags. Without a usable ffmpeg,
// Start and Run fail the test (they do not skip it) with a message that
// says what was found, what is needed and how to install it (for example
// apt-get install -y ffmpeg) or point at another binary.
//
// # What is measured
//
// Each viewer runs ffmpeg at log level debug with -progress on a channel
// of its own (on Linux a Unix socket pair whose messages carry the time
// ffmpeg wrote them, so latencies are exact however late the harness reads
// them); one goroutine of the fleet reads every viewer's log and progress
// at least once a second (ffmpeg never waits on the harness: a line that
// cannot be handled in time is dropped and counted in dropped_lines) and
// parses them without allocation into lock-free per-viewer counters and
// latency histograms. By default each viewer plays one rendition, the
// fleet spread over the ladder (Config.Variant), and requests a new
// connection per request over http (Config.KeepAlive), which is what lets
// ffmpeg's log show when each segment download ended. Every request
// carries the header X-Hlsswarm-Client: <n> and a User-Agent ending in
// " client-<n>", so an origin can attribute it (in a sharded run also
// X-Hlsswarm-Run and X-Hlsswarm-Shard, see [Shard]). The [Result] holds the
// totals by request kind and status code, latency distributions, QoE
// (speed, stalls, drift), the generating machine's health
// ([GeneratorHealth]: CPU and memory pressure, the harness's scheduling
// latency, open files, slow viewers, the seconds it was saturated), one
// row per viewer, a per-second history, the ffmpeg exits by class, and,
// when Config.Origin is set, the origin's own request counts to
// cross-check the parsers. A run whose generator was saturated for more
// than SaturatedShareLimit of it is logged, or fails with
// Config.FailOnSaturatedGenerator; Start logs when the fleet cannot fit
// the machine's cores, memory or ffmpeg start rate.
//
// A stall in the middle of a response body leaves no line in ffmpeg's
// log; it shows in the origin's counts and in the QoE figures (media time
// falling behind wall time), not in the request counters.
//
// # While it runs
//
// Every Config.ProgressInterval (5 s) the fleet logs one line with
// t.Logf, seen with go test -v:
//
//	hlsswarm 10s/20.5s viewers 50/50 (active 50) req/s manifest 99.8 segment 100.2 init 0.0 errors 0 timeouts 0 p95 segment 2.1ms stalled 0 dropped lines 0
//
// A viewer that fails logs ffmpeg's error text once per distinct message.
// Config.Thresholds are checked every second (after
// Config.ThresholdDelay); the first breach stops the fleet and fails the
// test naming the threshold and when it broke. Config.MetricsAddr serves
// the fleet's own Prometheus registry (never the global one) on /metrics.
//
// # Stopping
//
// The fleet stops after Ramp + Duration, when the test's context ends,
// on a threshold breach, or on [Fleet.Stop]; t.Cleanup stops it too.
// When Stop (or Run) returns, every ffmpeg process of the fleet has been
// reaped and no goroutine of the fleet remains. Each viewer runs in its
// own process group with a parent-death signal (Linux), so a killed test
// binary leaves no ffmpeg behind either.
//
// # Thresholds
//
// [Result.Evaluate] and [Fleet.Evaluate] check threshold expressions (the
// grammar of package assert) on the run after its warm-up and return one
// verdict each (package verdict); [Result.Measure] reads one query, such as
// "p95(segment_latency)". Package assert calls them to fail a test with a
// table of the verdicts; Config.Thresholds checks them every second while
// the fleet runs and stops it at the first breach.
//
// # Reports
//
// With Config.ReportDir (or HLSSWARM_REPORT_DIR) set, or the test binary
// run with go test -artifacts (the test's t.ArtifactDir), the end of a run
// writes <test name>.json (the Result, schema [ReportSchema]),
// <test name>.html (the charts and tables of [Result.WriteHTML], one file
// that opens offline) and <test name>.prom (the Prometheus text format),
// for CI artifacts. It logs their paths and attaches them to the test as
// the attributes hlsswarm.report.json and hlsswarm.report.html (t.Attr,
// carried by go test -json). In a benchmark, [Result.ReportMetrics]
// reports the key figures for benchstat.
// [ReadReport] reads a JSON report back into a Result that package
// assert judges as it judged the live one.
//
// # Shards
//
// A run too big for one machine runs as shards: the same test binary in
// several processes (pods of a Kubernetes Indexed Job), each with
// Config.Shard, Config.RunID and Config.StartAt, or the environment that
// sets them (ShardIndexEnv, ShardCountEnv, RunIDEnv, StartAtEnv). Each
// shard runs its share of Config.Clients with global viewer ids (see
// [Shard]), names the run and shard in every request and metric, and
// writes <test name>.shard-<i>-of-<n>.json. [Merge] (or
// [MergeReportFiles], or the command hlsswarm-merge) turns the shards'
// Results into the Result of the whole run, for one verdict.
package loadtest
