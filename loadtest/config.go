package loadtest

import (
	"os"
	"time"
)

// Defaults used when the matching [Config] field is left at its zero value.
const (
	// DefaultClients is the number of viewers when Config.Clients is 0.
	DefaultClients = 5
	// DefaultDuration is how long the fleet runs at full strength when
	// Config.Duration is 0.
	DefaultDuration = 10 * time.Second
	// DefaultStartRate is the number of ffmpeg starts per second the default
	// ramp allows. A start costs far more CPU than a second of playing, so a
	// faster ramp on a small machine queues starts behind each other and
	// start latency grows with the queue; 10/s stays below what two cores
	// complete.
	DefaultStartRate = 10
	// DefaultTimeout is the ffmpeg rw_timeout when Config.Timeout is 0.
	DefaultTimeout = 10 * time.Second
	// DefaultProgressInterval is the live progress cadence when
	// Config.ProgressInterval is 0.
	DefaultProgressInterval = 5 * time.Second
	// DefaultPushInterval is the time between two pushes to
	// Config.PushGateway when Config.PushInterval is 0.
	DefaultPushInterval = 5 * time.Second
	// MaxClients bounds Config.Clients and Fleet.Scale: a bigger fleet is a
	// typo on any machine that runs go test.
	MaxClients = 10000
	// MaxRun bounds Config.Ramp + Config.Duration (and WarmUp and
	// ThresholdDelay): a longer load test is a typo, and the bound keeps
	// their sum from overflowing a time.Duration.
	MaxRun = 7 * 24 * time.Hour
)

// ReportDirEnv names the environment variable read when Config.ReportDir
// is empty.
const ReportDirEnv = "HLSSWARM_REPORT_DIR"

// Variant selects which renditions of a multi-variant (master) playlist a
// viewer plays.
//
// The default, VariantRoundRobin, gives each viewer one rendition and
// spreads the fleet over the ladder: a real player plays one rendition at
// a time, and a fleet spread over the ladder loads the origin like an
// audience does. It also measures better and costs less: with -map 0 over
// several renditions ffmpeg (5.1) reads all of them in one thread, so a
// body that arrived can wait unread while the demuxer waits on another
// rendition, and about half the segments get no measurable latency; one
// rendition per viewer halves ffmpeg's CPU too. VariantAll keeps ffmpeg's
// own behaviour (-map 0: every rendition at once).
//
// The fleet fetches Config.URL once, from Go, before the run starts (so it
// is not part of Result.Origin), with Config.Headers (to the URL's origin
// only) and Config.UserAgent, through no proxy and without verifying TLS
// certificates (like the viewers); for a master
// playlist it fetches one media playlist too (the chosen variant's, else
// the first), to learn whether the stream is live (see RestartPolicy). It
// follows redirects and resolves URIs against the final URL, as players
// do, and gives the viewers final URLs. When a fetch fails, Start fails
// (see Config.AllowNoPlayback). A viewer given one variant opens its
// media playlist directly: the origin sees no master request from it. A URL
// that is a media playlist (no variants) is played by every viewer whatever
// the choice.
type Variant string

// Variants accepted by Config.Variant.
const (
	// VariantRoundRobin (the default) gives viewer n (counted from 1) the
	// variant (n-1) mod len(variants), in master playlist order.
	VariantRoundRobin Variant = "round-robin"
	VariantAll        Variant = "all"     // every rendition at once, as ffmpeg's -map 0 does
	VariantFirst      Variant = "first"   // the first variant listed in the master playlist
	VariantHighest    Variant = "highest" // the variant with the highest BANDWIDTH
	VariantLowest     Variant = "lowest"  // the variant with the lowest BANDWIDTH
	// VariantABR (EngineNative only) gives every viewer the whole ladder:
	// it plays one variant at a time and switches between them by the
	// throughput it measures, as hls.js does (see the README's "Two
	// engines"). It starts on the highest variant whose BANDWIDTH is at
	// most 350 kbit/s (hls.js's first estimate, 500 kbit/s, times its
	// switch-up factor 0.7), or the lowest; ViewerResult.Rendition names
	// the variant it started on and the one it ended on. Like a viewer
	// given one variant, it opens media playlists directly: the origin
	// sees no master request from it. ffmpeg has no adaptive bitrate of
	// its own: Validate refuses VariantABR with EngineFFmpeg.
	VariantABR Variant = "abr"
)

var variants = []Variant{VariantRoundRobin, VariantAll, VariantFirst, VariantHighest, VariantLowest, VariantABR}

// KeepAlive says whether viewers reuse HTTP connections for playlist and
// segment requests (ffmpeg's -http_persistent).
//
// Off gives every request a connection of its own, closed when its body
// was read to the end. ffmpeg logs that close, the only line that marks
// the end of a segment download at a live edge, so segment latency is
// measured for every segment of a live stream. The cost is one TCP
// connection per request (more connection churn than a real player makes;
// no measurable ffmpeg CPU over http) and, over https, one TLS handshake
// per request, which multiplies ffmpeg's CPU and adds the handshake to
// every latency. On keeps ffmpeg's connection reuse, like a player;
// segment latency is then measured only where other log lines prove a
// body's end (VOD and catching-up live, not a live edge).
type KeepAlive string

// Values accepted by Config.KeepAlive.
const (
	// KeepAliveAuto (the default) is KeepAliveOff for http URLs and
	// KeepAliveOn for https URLs.
	KeepAliveAuto KeepAlive = "auto"
	// KeepAliveOn keeps ffmpeg's connection reuse.
	KeepAliveOn KeepAlive = "on"
	// KeepAliveOff passes -http_persistent 0 (where the probed ffmpeg has it).
	KeepAliveOff KeepAlive = "off"
)

var keepAlives = []KeepAlive{KeepAliveAuto, KeepAliveOn, KeepAliveOff}

// RestartPolicy says when a viewer whose ffmpeg exited is started again.
//
// The fleet learns once, before the viewers start, whether the stream is
// live: its media playlist (the chosen variant's, or the first) has no
// #EXT-X-ENDLIST. A live stream has no end, so a viewer of it whose ffmpeg
// exits with status 0 before the fleet stops has not finished playing: the
// stream failed it (without keep-alive, ffmpeg 5.1 ends on a single
// failed reload of a live media playlist). Such an exit is recorded in
// Result.Exits as "ended-early", not "clean", and RestartOnFailure
// restarts it like an error exit. A clean exit of a VOD stream is the end
// of play. When the playlist cannot be read before the start (with
// Config.AllowNoPlayback), the stream is taken as VOD.
type RestartPolicy string

// Restart policies accepted by Config.RestartPolicy.
const (
	RestartNever     RestartPolicy = "never"      // an exited viewer stays down
	RestartOnFailure RestartPolicy = "on-failure" // restart after an error exit, or an early end of a live stream, with backoff
	RestartAlways    RestartPolicy = "always"     // restart after any exit (loops a VOD), with backoff
)

var restartPolicies = []RestartPolicy{RestartNever, RestartOnFailure, RestartAlways}

// VODPlayback says how viewers play a VOD stream (a media playlist with
// #EXT-X-ENDLIST). A live stream is paced by its origin either way.
type VODPlayback string

// Values accepted by Config.VOD.
const (
	// VODWatch (the default) plays a VOD at real time, as a player does
	// (ffmpeg's -re), and a viewer that reaches the end starts again from
	// the beginning: the next member of the audience, counted in
	// Result.Replays, not as a restart or a failure. The origin then sees
	// Clients viewers for the whole Duration.
	VODWatch VODPlayback = "watch"
	// VODDownload reads a VOD as fast as ffmpeg can, once: a throughput
	// test. A viewer that reaches the end stays down (see RestartPolicy).
	VODDownload VODPlayback = "download"
)

var vodPlaybacks = []VODPlayback{VODWatch, VODDownload}

// GroundTruth is what an origin knows about the requests it served. The
// fixtures origin (fixtures.NewOrigin) satisfies it; so can any origin a
// test controls. RequestCounts returns cumulative counts by request kind
// ("manifest", "segment", "init", "unknown") and HTTP status code.
type GroundTruth interface {
	RequestCounts() map[string]map[int]int64
}

// Config describes a fleet of ffmpeg viewers. The zero value of every field
// but URL selects the documented default, so Config{URL: u} is a complete
// configuration: 5 viewers, started over 0.5 s, playing for 10 s.
type Config struct {
	// URL is the HLS playlist (master or media) every viewer plays. Only
	// http and https are accepted. Required. Over https neither the
	// viewers nor the fleet's own playlist fetch (variant choice) verify
	// the origin's certificate: ffmpeg does not by default (-tls_verify
	// 0), and a load test of a self-signed or staging origin must measure
	// the same thing as one of a public origin.
	URL string

	// Clients is the number of concurrent viewers (ffmpeg processes): of
	// the whole run when it is sharded (see Config.Shard), each shard
	// running its share. Default DefaultClients (5); at most MaxClients.
	Clients int

	// Ramp spreads the viewer starts over this duration; each start is
	// placed in its own slot of Ramp/Clients with seeded jitter inside the
	// slot. Default Clients/DefaultStartRate seconds (10 starts a second;
	// in a sharded run, 10 a second in each shard).
	// Set a tiny value (time.Millisecond) to start everyone at once.
	Ramp time.Duration

	// Duration is how long the fleet runs after the ramp. Default
	// DefaultDuration (10 s).
	Duration time.Duration

	// WarmUp is the part of the run, from its start, that thresholds
	// ignore. Default 0 (none).
	WarmUp time.Duration

	// Variant selects the renditions each viewer plays from a master
	// playlist. Default VariantRoundRobin: one rendition per viewer, the
	// fleet spread over the ladder (see [Variant]).
	Variant Variant

	// KeepAlive says whether viewers reuse HTTP connections (see
	// [KeepAlive] for the trade-off). Default KeepAliveAuto: off for http
	// URLs, so that segment latency is measured at a live edge; on for
	// https URLs, where a TLS handshake per request would cost ffmpeg CPU
	// and add to every latency.
	KeepAlive KeepAlive

	// Timeout is ffmpeg's rw_timeout: how long a viewer waits on a silent
	// connection before it gives up on the request. Default DefaultTimeout
	// (10 s).
	Timeout time.Duration

	// Reconnect passes ffmpeg's -reconnect options where the probed
	// ffmpeg accepts them. Note: ffmpeg 5.1 does not apply them to HLS
	// playlist and segment requests. Default false.
	Reconnect bool

	// Headers are extra HTTP headers sent on every request of the viewers
	// (ffmpeg's -headers: to every host, redirects included). The fleet's
	// own playlist fetch sends them to URL's scheme, host and port only.
	// Names and values must not contain CR or LF. Each viewer also sends
	// X-Hlsswarm-Client: <n> (and, with a RunID, X-Hlsswarm-Run and
	// X-Hlsswarm-Shard).
	Headers map[string]string

	// UserAgent is the User-Agent sent by every viewer, followed by
	// " client-<n>" (with a RunID, " run-<id> shard-<i> client-<n>").
	// Default: ffmpeg's own (Lavf/<version>).
	UserAgent string

	// Engine is what plays each viewer (see [Engine]). Default
	// EngineFFmpeg; EngineNative needs no ffmpeg.
	Engine Engine

	// HTTP2 says whether native viewers speak HTTP/2 to an https origin
	// that offers it, one connection per viewer (see [HTTP2]). Default
	// HTTP2Auto. The ffmpeg engine speaks HTTP/1.1 only.
	HTTP2 HTTP2

	// FFmpeg is the path of the ffmpeg binary. Default: the environment
	// variable HLSSWARM_FFMPEG, then "ffmpeg" on PATH.
	FFmpeg string

	// RestartPolicy says when an exited viewer is started again. Default
	// RestartOnFailure.
	RestartPolicy RestartPolicy

	// ProgressInterval is the cadence of the live progress line written
	// with t.Logf (seen with go test -v). Default DefaultProgressInterval
	// (5 s); negative disables it.
	ProgressInterval time.Duration

	// Thresholds are threshold expressions (see package assert) checked
	// while the fleet runs; the first breach stops the fleet and fails the
	// test naming the threshold and when it broke. Default none.
	Thresholds []string

	// ThresholdDelay delays the first live threshold evaluation, counted
	// from the start of the run (on top of WarmUp, which thresholds ignore
	// anyway). Default 0.
	ThresholdDelay time.Duration

	// MetricsAddr, when set, serves the fleet's Prometheus metrics on
	// http://MetricsAddr/metrics while it runs. An empty host means
	// loopback (":9100" listens on 127.0.0.1:9100); port 0 picks a free
	// port (see Fleet.MetricsURL). Default: no server.
	MetricsAddr string

	// PushGateway, when set, is the base URL of a Prometheus Pushgateway
	// (http://host:9091) the fleet pushes its metrics to every
	// PushInterval while it runs and once at its end, grouped by
	// job="hlsswarm" and the fleet's labels, so that a Prometheus server
	// scraping the gateway (honor_labels: true) holds every fleet of a
	// run, on however many machines, live. Latencies go as native
	// histograms with classic buckets. A failed final push fails the
	// test. Default: the environment variable HLSSWARM_PUSHGATEWAY, else
	// no pushes.
	PushGateway string

	// PushInterval is the time between two pushes to PushGateway, and
	// between two checks of GlobalThresholds. Default 5s.
	PushInterval time.Duration

	// GlobalThresholds are threshold expressions (see package assert)
	// checked every PushInterval, while the fleet runs, on the whole
	// run's series in Prometheus: every fleet of the run, on every
	// machine, pushing to the PushGateway that PrometheusURL scrapes
	// (selected by the fleet's labels but its shard). The first breach
	// stops this fleet and fails the test naming it, so every fleet of a
	// run that checks the same thresholds stops within a few seconds of
	// the others. Percentiles come from native histograms; the min and
	// max of a distribution have no Prometheus form and are refused. A run
	// whose global thresholds could never be checked fails. Default none.
	GlobalThresholds []string

	// PrometheusURL is the base URL (http://host:9090) of the Prometheus
	// server that scrapes PushGateway, for GlobalThresholds. Default: the
	// environment variable HLSSWARM_PROMETHEUS.
	PrometheusURL string

	// ReportDir, when set, receives <test name>.json (the JSON report),
	// <test name>.html (the HTML report, see Result.WriteHTML) and
	// <test name>.prom (a Prometheus text-format snapshot) at the end of
	// the run. Default: the environment variable HLSSWARM_REPORT_DIR, else
	// the test's t.ArtifactDir() when go test runs with -artifacts, else
	// no files.
	ReportDir string

	// Seed seeds the ramp jitter and restart backoff jitter, so a run is
	// repeatable. Default 0 (a valid seed).
	Seed int64

	// Origin, when set, is read at the start and the end of the run; the
	// difference becomes Result.Origin, the origin's own count of what the
	// fleet requested. A fixtures.Origin fits. Default nil.
	Origin GroundTruth

	// VOD says how viewers play a VOD stream. Default VODWatch: at real
	// time, starting again at the end.
	VOD VODPlayback

	// AllowNoPlayback, for a test that expects an origin to be down, keeps
	// a dead origin from failing the test: by default Start fails when its
	// first fetch of URL fails (a refused connection, an HTTP error, a body
	// that is no playlist, no answer within Timeout), and a run in which no
	// viewer received a single segment fails the test, naming why. With
	// AllowNoPlayback both are logged instead. Default false.
	AllowNoPlayback bool

	// FailOnSaturatedGenerator fails the test when the generating machine
	// (the one running the viewers) was saturated for more than
	// SaturatedShareLimit of the run's seconds after the warm-up (see
	// SaturatedCPUPressure; runs with fewer than 5 such seconds are not
	// judged). By default that is logged, and every failing
	// threshold whose window overlaps a saturated second says so: on a
	// shared CI runner the CPU pressure, which is machine-wide, often
	// comes from other work, so failing by default would fail healthy
	// origins. Default false.
	FailOnSaturatedGenerator bool

	// Shard makes this process one shard of a run spread over several
	// (see [Shard]): Clients, Ramp and Duration describe the whole run,
	// and the shard runs its share of the viewers, with global ids.
	// Default: from ShardIndexEnv and ShardCountEnv when ShardCountEnv is
	// set (a Kubernetes Indexed Job), else one shard.
	Shard Shard

	// RunID names the run every shard belongs to: sent with every request
	// (X-Hlsswarm-Run, X-Hlsswarm-Shard, the User-Agent), a label of every
	// metric (run_id, shard), and in the report, where Merge checks it.
	// Letters, digits, '.', '_' and '-', at most MaxRunIDLen bytes.
	// Required with more than one shard. Default: RunIDEnv, else none.
	RunID string

	// StartAt, when set, is the wall-clock time at which the ramp starts,
	// so that every shard ramps as one fleet whenever its process
	// started: viewer starts fall at StartAt plus their ramp offset (those
	// already past start at once) and the run ends at StartAt + Ramp +
	// Duration. Default: StartAtEnv (RFC 3339), else when Start is called.
	StartAt time.Time
}

// withDefaults returns a copy of c with every zero field set to its
// default. It does not validate.
func (c Config) withDefaults() Config {
	if c.Clients == 0 {
		c.Clients = DefaultClients
	}
	if p, err := resolvePlacement(c, getenv); err == nil { // Validate reported the error
		c.Shard, c.RunID, c.StartAt = p.shard, p.runID, p.startAt
	}
	if c.Ramp == 0 {
		c.Ramp = defaultRamp(c.Shard.clients(c.Clients))
	}
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.Variant == "" {
		c.Variant = VariantRoundRobin
	}
	if c.KeepAlive == "" {
		c.KeepAlive = KeepAliveAuto
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Engine == "" {
		c.Engine = EngineFFmpeg
	}
	if c.HTTP2 == "" {
		c.HTTP2 = HTTP2Auto
	}
	if c.RestartPolicy == "" {
		c.RestartPolicy = RestartOnFailure
	}
	if c.VOD == "" {
		c.VOD = VODWatch
	}
	if c.ProgressInterval == 0 {
		c.ProgressInterval = DefaultProgressInterval
	}
	if c.ReportDir == "" {
		c.ReportDir = os.Getenv(ReportDirEnv)
	}
	if c.PushGateway == "" {
		c.PushGateway = os.Getenv(PushGatewayEnv)
	}
	if c.PushInterval == 0 {
		c.PushInterval = DefaultPushInterval
	}
	if c.PrometheusURL == "" {
		c.PrometheusURL = os.Getenv(PrometheusEnv)
	}
	return c
}

// defaultRamp spreads n starts at DefaultStartRate per second.
func defaultRamp(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return time.Duration(n) * time.Second / DefaultStartRate
}
