package loadtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/ffmpeg"
	"github.com/hlsswarm/hlsswarm/internal/genhealth"
	"github.com/hlsswarm/hlsswarm/internal/player"
	"github.com/hlsswarm/hlsswarm/internal/pump"
	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
	"github.com/prometheus/client_golang/prometheus"
)

// Fleet is a running set of ffmpeg viewers, made by [Start]. Its methods
// are safe for concurrent use. A Fleet stops by itself after Ramp +
// Duration, when the test's context ends, when a live threshold breaks, or
// when Stop is called; t.Cleanup stops it too, so that nothing outlives
// the test.
type Fleet struct {
	t    testing.TB
	test string
	cfg  Config
	bin  *ffmpeg.Binary // nil for the native engine
	// native is the native engine's HTTP client (nil for ffmpeg).
	native *player.Client
	// plays are what the viewers open, in turn (playFor): Config.URL, or
	// the variant(s) chosen by Config.Variant.
	plays []play
	// abr records what each VariantABR viewer played.
	abr abrPaths
	// live: the stream has no #EXT-X-ENDLIST, so a viewer that exits 0
	// before the fleet stops ended early (see RestartPolicy).
	live   bool
	limits *threshold.Set // nil without live thresholds
	// poller reads every viewer's pipes (nil where unsupported: then each
	// run gets a pump.Pipeline).
	poller *pump.Poller

	agg          *stats.Aggregator
	history      *stats.History
	gen          *genhealth.Sampler // read by the control goroutine only
	startLatency stats.Histogram
	registry     *prometheus.Registry
	metrics      *metricsServer
	pusher       *pusher        // nil without Config.PushGateway
	global       *globalChecker // nil without Config.GlobalThresholds

	ctx    context.Context // ends when the fleet stops
	cancel context.CancelFunc
	wg     sync.WaitGroup // starters and viewers
	ctlWG  sync.WaitGroup // the control goroutine

	mu          sync.Mutex
	start       time.Time
	target      int
	nextID      int
	viewers     []*viewer // running, by ID
	exits       map[string]int
	startErrors []string
	// startFailures are the distinct errors of starts the OS refused;
	// unstarted the viewers that never ran because of one.
	startFailures []string
	unstarted     map[int]bool
	seenErrors    map[string]bool
	aborted       *Abort
	// onSchedule: the run ended at Ramp + Duration, not stopped early by
	// Stop, the test's context or a live threshold.
	onSchedule  bool
	replays     int // VOD viewers that played to the end and started again
	originStart map[string]map[int]int64
	endGauges   *stats.Snapshot // the gauges just before the stop

	syncs    syncGate // the control loop's reader syncs (syncWithin)
	stopReq  chan struct{}
	stopOnce sync.Once
	done     chan struct{} // closed when result is set
	result   *Result
}

// Start validates cfg, locates and probes ffmpeg, and starts a fleet that
// ramps up to cfg.Clients viewers in the background; it returns at once.
// Bad configuration, a missing or too old ffmpeg, an unparsable threshold
// or a run that would outlive the test deadline fail the test at once
// (t.Fatalf, so call Start from the test goroutine).
func Start(t testing.TB, cfg Config) *Fleet {
	t.Helper()
	f, err := newFleet(t, cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return f
}

// Run runs a fleet for cfg.Ramp + cfg.Duration and returns its Result. It
// returns early when the test's context ends or a live threshold breaks;
// a breach fails the test (t.Errorf) naming the threshold and when it
// broke. Setup errors fail the test at once, as with [Start].
func Run(t testing.TB, cfg Config) *Result {
	t.Helper()
	return Start(t, cfg).Wait()
}

func newFleet(t testing.TB, cfg Config) (*Fleet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.ReportDir = reportDirFor(t, cfg.ReportDir)
	if dl, ok := deadlineOf(t); ok {
		if err := checkDeadline(time.Now(), dl, cfg.Ramp+untilStart(cfg), cfg.Duration); err != nil {
			return nil, err
		}
	}
	if cfg.Engine == EngineFFmpeg {
		if err := checkFDs(cfg.Shard.clients(cfg.Clients), openFileLimit()); err != nil {
			return nil, err
		}
		logCapacity(t, cfg)
	}
	var limits *threshold.Set
	if len(cfg.Thresholds) > 0 {
		s, err := threshold.Parse(cfg.Thresholds...)
		if err != nil {
			return nil, fmt.Errorf("loadtest: Config.Thresholds: %w", err)
		}
		limits = s
	}
	// The master playlist is fetched here, once per fleet, before the
	// origin's counts are read (Result.Origin holds the viewers' requests
	// only) and before ffmpeg is probed (a dead origin fails at once).
	plays, live, note, err := selectPlays(t.Context(), cfg)
	if err != nil {
		return nil, err
	}
	if note != "" {
		t.Logf("%s", note)
	}
	bin, err := prepareEngine(t, cfg, plays, live)
	if err != nil {
		return nil, err
	}
	// After the slow part of the setup (playlists fetched, ffmpeg probed),
	// before anything that needs closing.
	if err := checkStartAt(t, cfg, time.Now()); err != nil {
		return nil, err
	}
	poller, native := openEngine(cfg, plays)
	ctx, cancel := context.WithCancel(t.Context())
	f := &Fleet{
		poller: poller, native: native,
		t: t, test: t.Name(), cfg: cfg, bin: bin, limits: limits,
		plays:   plays,
		live:    live,
		agg:     stats.NewAggregator(stats.Options{}),
		history: stats.NewHistory(0),
		gen:     genhealth.New(),
		ctx:     ctx, cancel: cancel,
		target: cfg.Shard.clients(cfg.Clients),
		exits:  map[string]int{}, seenErrors: map[string]bool{}, unstarted: map[int]bool{},
		stopReq: make(chan struct{}), done: make(chan struct{}),
	}
	f.registry = f.newRegistry(metricLabels(f.test, cfg))
	if cfg.MetricsAddr != "" {
		m, err := serveMetrics(cfg.MetricsAddr, f.registry)
		if err != nil {
			cancel()
			f.closePoller()
			return nil, err
		}
		f.metrics = m
	}
	if cfg.PushGateway != "" {
		// The gateway adds the grouping labels to every metric pushed, and
		// refuses metrics that carry them already: push a registry of the
		// same collector without its constant labels.
		unlabelled := f.newRegistry(nil)
		f.pusher = newPusher(cfg.PushGateway, cfg.PushInterval, unlabelled, metricLabels(f.test, cfg))
	}
	if f.global, err = newGlobalChecker(cfg, metricLabels(f.test, cfg)); err != nil {
		cancel()
		f.closePoller()
		return nil, err
	}
	if cfg.Origin != nil {
		if f.originStart, err = countsOf(cfg.Origin); err != nil {
			cancel()
			f.closePoller()
			return nil, err
		}
	}
	f.start = time.Now()
	t.Cleanup(func() { f.Stop() })
	f.mu.Lock()
	f.startPaced(startBase(cfg, f.start), shardSchedule(cfg.Shard, cfg.Clients, cfg.Ramp, cfg.Seed))
	f.mu.Unlock()
	if f.pusher != nil {
		f.pusher.start()
	}
	if f.global != nil {
		f.global.start(startBase(cfg, f.start), cfg.WarmUp, f.abortGlobal)
	}
	f.ctlWG.Add(1)
	go f.control()
	return f, nil
}

// startPaced launches one viewer at each offset from base, as long as the
// fleet is below its target. The caller holds f.mu (or owns f alone), so
// that the WaitGroup is not added to after shutdown began waiting.
func (f *Fleet) startPaced(base time.Time, offsets []time.Duration) {
	if len(offsets) == 0 {
		return
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		timer := time.NewTimer(time.Hour) // reset before each start
		defer timer.Stop()
		for _, off := range offsets {
			timer.Reset(time.Until(base.Add(off)))
			select {
			case <-f.ctx.Done():
				return
			case <-timer.C:
			}
			f.mu.Lock()
			if f.ctx.Err() == nil && len(f.viewers) < f.target {
				f.nextID++
				f.viewers = append(f.viewers, f.launch(f.cfg.Shard.globalID(f.nextID)))
			}
			f.mu.Unlock()
		}
	}()
}

// Scale changes the fleet size to n viewers while it runs. Added viewers
// get new IDs and start at the ramp's pace (or DefaultStartRate a second
// when the ramp was faster), in the background; when shrinking, the
// newest viewers are stopped and Scale returns once they are gone. Scale
// on a stopped fleet does nothing.
func (f *Fleet) Scale(n int) error {
	if n < 0 || n > MaxClients {
		return fmt.Errorf("loadtest: Scale(%d); want 0..%d viewers", n, MaxClients)
	}
	f.mu.Lock()
	if f.ctx.Err() != nil {
		f.mu.Unlock()
		return nil
	}
	f.target = n
	var victims []*viewer
	if len(f.viewers) > n {
		victims = append(victims, f.viewers[n:]...)
		f.viewers = f.viewers[:n]
	}
	if add := n - len(f.viewers); add > 0 {
		step := max(startInterval(f.cfg.Shard.clients(f.cfg.Clients), f.cfg.Ramp), time.Second/DefaultStartRate)
		offsets := make([]time.Duration, add)
		for i := range offsets {
			offsets[i] = time.Duration(i) * step
		}
		f.startPaced(time.Now(), offsets) // under mu, before shutdown can wait on f.wg
	}
	f.mu.Unlock()
	stopAll(victims)
	return nil
}

// Stop stops every viewer and returns the Result. After it returns no
// ffmpeg process of the fleet and no goroutine of it remains. Stop is
// idempotent: later calls return the same Result.
func (f *Fleet) Stop() *Result {
	f.stopOnce.Do(func() { close(f.stopReq) })
	return f.Wait()
}

// Wait blocks until the fleet stops by itself (Ramp + Duration elapsed,
// the test's context ended, a live threshold broke) or through Stop, and
// returns the Result.
func (f *Fleet) Wait() *Result {
	<-f.done
	f.ctlWG.Wait()
	return f.result
}

// Snapshot returns the fleet's state now, as a Result whose End is now.
// It takes one aggregator pass and may be called at any rate a test needs.
// It holds every line the viewers wrote before the call, unless the
// readers are so far behind (an overloaded machine) that they do not
// catch up within snapshotSyncBound: then it returns what was read, and
// the rest counts in the next snapshot.
func (f *Fleet) Snapshot() *Result {
	select {
	case <-f.done:
		return f.result
	default:
	}
	f.syncWithin(snapshotSyncBound)
	return f.buildResult(time.Now())
}

// finalSnapshot returns a fresh stats snapshot of the running fleet (or
// the final one once stopped), so that thresholds can judge a live fleet.
func (f *Fleet) finalSnapshot() *stats.Snapshot {
	select {
	case <-f.done:
		return f.result.snap
	default:
	}
	f.syncWithin(syncBound)
	s := new(stats.Snapshot)
	f.agg.Snapshot(s, false)
	return s
}

// sync has the poller read every viewer's output now, so that a snapshot
// taken next holds every line written before it.
func (f *Fleet) sync() {
	if f.poller != nil {
		f.poller.Sync()
	}
}

// historyPoints returns the per-second history so far, oldest first.
func (f *Fleet) historyPoints() []stats.Point { return f.history.Points() }

// warmUpPeriod returns Config.WarmUp.
func (f *Fleet) warmUpPeriod() time.Duration { return f.cfg.WarmUp }

// Config returns the fleet's configuration, defaults filled in.
func (f *Fleet) Config() Config { return f.cfg }

// MetricsURL returns the URL of the /metrics endpoint, or "" when
// Config.MetricsAddr was empty.
func (f *Fleet) MetricsURL() string {
	if f.metrics == nil {
		return ""
	}
	return f.metrics.url
}

// Registry returns the fleet's own Prometheus registry (never the global
// one), for tests that gather or lint it.
func (f *Fleet) Registry() *prometheus.Registry { return f.registry }

// shutdown stops every viewer, builds the Result and writes the reports.
func (f *Fleet) shutdown() {
	// The gauges (active, stalled, speed, drift) are read before the
	// viewers stop, so that they describe the run rather than the stop;
	// the counters are read after, once every pipe has been drained.
	var last stats.Snapshot
	f.syncWithin(syncBound)
	f.agg.Snapshot(&last, false)
	f.gen.Sample(time.Now(), &last)
	f.history.Add(&last)
	f.mu.Lock()
	f.cancel() // under mu: no starter launches after this
	victims := f.viewers
	f.viewers = nil
	f.mu.Unlock()
	if !f.stopBounded(victims) {
		f.syncs.wg.Wait() // the poller closed: syncs in flight returned
	}
	end := time.Now()

	f.mu.Lock()
	f.endGauges = &last
	f.mu.Unlock()
	r := f.buildResult(end)
	var errs []error
	if f.global != nil {
		errs = append(errs, f.global.finish())
	}
	if f.pusher != nil {
		errs = append(errs, f.pusher.finish())
		if n, of, err := f.pusher.failed(); n > 0 {
			f.t.Logf("loadtest: %d of %d pushes to %s failed; the last: %v", n, of, f.cfg.PushGateway, err)
		}
	}
	if f.metrics != nil {
		errs = append(errs, f.metrics.close())
	}
	if dir := f.cfg.ReportDir; dir != "" {
		if path, err := r.writeReport(dir); err != nil {
			errs = append(errs, err)
		} else {
			reportWritten(f.t, "json", path)
		}
		if path, err := r.writeHTMLReport(dir); err != nil {
			errs = append(errs, err)
		} else {
			reportWritten(f.t, "html", path)
		}
		if _, err := writeFileAtomic(dir, r.reportStem()+".prom", f.writeMetricsText); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		f.t.Errorf("%v", err)
	}
	for _, p := range f.runProblems(r) {
		f.t.Errorf("%s", p)
	}
	if r.Aborted != nil {
		f.t.Errorf("loadtest: live threshold %q broke at %s; fleet stopped early: %s",
			r.Aborted.Threshold, r.Aborted.At.Round(time.Millisecond), r.Aborted.Message)
	}
	f.result = r
	close(f.done)
}

// closePoller ends the poller's goroutine; every Reader has ended by then
// (the viewers were reaped and their pipes drained).
func (f *Fleet) closePoller() {
	if f.poller != nil {
		_ = f.poller.Close()
	}
	if f.native != nil {
		f.native.Close()
	}
}

// buildResult assembles a Result from a fresh snapshot with viewer rows.
func (f *Fleet) buildResult(end time.Time) *Result {
	snap := new(stats.Snapshot)
	f.agg.Snapshot(snap, true)
	var startLat stats.HistogramSnapshot
	f.startLatency.Snapshot(&startLat)
	f.mu.Lock()
	f.endGaugesTo(snap)
	exits := make(map[string]int, len(f.exits))
	for k, v := range f.exits {
		exits[k] = v
	}
	in := resultInput{
		test: f.test, cfg: f.cfg, start: f.start, end: end,
		ffmpeg: ffmpegInfoOf(f.bin),
		target: f.target, snap: snap, points: f.history.Points(),
		startLatency: &startLat, exits: exits, aborted: f.aborted,
		startErrors: append([]string(nil), f.startErrors...),
		replays:     f.replays,
		unstarted:   maps.Clone(f.unstarted),
		protocols:   protocolsOf(f.cfg, f.native),
	}
	if plays := f.plays; len(plays) > 0 {
		abr := f.abr.labels()
		in.rendition = func(id int) string {
			if l, ok := abr[id]; ok {
				return l
			}
			return playFor(plays, id).label
		}
	}
	f.mu.Unlock()
	if f.cfg.Origin != nil {
		if now, err := countsOf(f.cfg.Origin); err != nil {
			f.t.Errorf("%v; Result.Origin is nil", err)
		} else {
			in.origin = originDiff(f.originStart, now)
		}
	}
	return buildResult(in)
}

// stopAll stops viewers concurrently and returns when all are gone.
func stopAll(vs []*viewer) {
	sort.Slice(vs, func(i, j int) bool { return vs[i].id < vs[j].id })
	for _, v := range vs {
		v.cancel()
	}
	for _, v := range vs {
		<-v.done
	}
}
