package loadtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/promapi"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// PrometheusEnv names the environment variable read when
// Config.PrometheusURL is empty.
const PrometheusEnv = "HLSSWARM_PROMETHEUS"

// globalChecker evaluates Config.GlobalThresholds on the run's series in
// Prometheus every PushInterval while the fleet runs, beside the control
// loop (a slow Prometheus never holds the run's clock), and stops the
// fleet on the first breach.
type globalChecker struct {
	set      *threshold.Set
	client   *promapi.Client
	url      string
	selector string
	interval time.Duration
	delay    time.Duration
	stop     chan struct{}
	done     chan struct{}

	mu       sync.Mutex
	checks   int // evaluations that Prometheus answered
	failures int // evaluations it did not
	lastErr  error
	breach   *threshold.Verdict
}

// newGlobalChecker returns nil without Config.GlobalThresholds, or a
// checker of them, refusing expressions without a PromQL form.
func newGlobalChecker(cfg Config, labels map[string]string) (*globalChecker, error) {
	if len(cfg.GlobalThresholds) == 0 {
		return nil, nil
	}
	set, err := threshold.Parse(cfg.GlobalThresholds...)
	if err != nil {
		return nil, fmt.Errorf("loadtest: Config.GlobalThresholds: %w", err)
	}
	run := threshold.PromRun{Selector: globalSelector(labels), Start: time.Now(), WarmUp: cfg.WarmUp}
	for _, t := range set.Thresholds() {
		if _, err := t.PromQL(run, run.Start.Add(time.Minute)); err != nil {
			return nil, fmt.Errorf("loadtest: Config.GlobalThresholds: %w", err)
		}
	}
	client, err := promapi.New(cfg.PrometheusURL, pushTimeout)
	if err != nil {
		return nil, fmt.Errorf("loadtest: Config.PrometheusURL: %w", err)
	}
	return &globalChecker{
		set: set, client: client, url: cfg.PrometheusURL, selector: run.Selector,
		interval: cfg.PushInterval, delay: cfg.ThresholdDelay,
		stop: make(chan struct{}), done: make(chan struct{}),
	}, nil
}

// globalSelector selects the whole run's series: the fleet's labels but
// its shard, under the push job.
func globalSelector(labels map[string]string) string {
	matchers := []string{fmt.Sprintf("job=%q", PushJob)}
	for k, v := range labels {
		if k != "shard" {
			matchers = append(matchers, fmt.Sprintf("%s=%q", k, v))
		}
	}
	sort.Strings(matchers[1:])
	return strings.Join(matchers, ",")
}

// start checks every interval from start on; on a breach it records it
// and calls abort.
func (g *globalChecker) start(runStart time.Time, warmUp time.Duration, abort func(threshold.Verdict)) {
	go func() {
		defer close(g.done)
		t := time.NewTicker(g.interval)
		defer t.Stop()
		for {
			select {
			case <-g.stop:
				return
			case now := <-t.C:
				if now.Sub(runStart) < g.delay {
					continue
				}
				if v, ok := g.check(runStart, warmUp, now); ok {
					abort(v)
					return
				}
			}
		}
	}()
}

// check evaluates the thresholds once and returns the first breach.
func (g *globalChecker) check(runStart time.Time, warmUp time.Duration, now time.Time) (threshold.Verdict, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*pushTimeout)
	defer cancel()
	vs, err := g.set.EvaluatePromQL(ctx, g.client, threshold.PromRun{Selector: g.selector, Start: runStart, WarmUp: warmUp}, now)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		g.failures++
		g.lastErr = err
	} else {
		g.checks++
	}
	v, ok := vs.Breached()
	if ok {
		g.breach = &v
	}
	return v, ok
}

// finish stops the checks and returns a problem when none could be made:
// global thresholds that were never checked must not pass in silence.
func (g *globalChecker) finish() error {
	close(g.stop)
	<-g.done
	g.client.Close()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.checks == 0 && g.breach == nil {
		if g.lastErr == nil {
			return fmt.Errorf("loadtest: Config.GlobalThresholds were never checked: the run ended before the first check (every %v after ThresholdDelay %v)", g.interval, g.delay)
		}
		return fmt.Errorf("loadtest: Config.GlobalThresholds were never checked: Prometheus %s failed all %d checks; the last: %v", g.url, g.failures, g.lastErr)
	}
	return nil
}

// abortGlobal records a global threshold's breach as the run's abort and
// stops the fleet, as a live threshold's breach does.
func (f *Fleet) abortGlobal(v threshold.Verdict) {
	f.mu.Lock()
	if f.aborted == nil {
		f.aborted = &Abort{Threshold: v.Expr, At: time.Since(f.start), Message: "global (Prometheus): " + v.String()}
	}
	f.mu.Unlock()
	f.stopOnce.Do(func() { close(f.stopReq) })
}
