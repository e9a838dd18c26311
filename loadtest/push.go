package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"
)

// PushGatewayEnv names the environment variable read when
// Config.PushGateway is empty.
const PushGatewayEnv = "HLSSWARM_PUSHGATEWAY"

// PushJob is the job label of every push: a Pushgateway groups the
// fleet's metrics under job="hlsswarm" and the fleet's own labels.
const PushJob = "hlsswarm"

// pushTimeout bounds one push: a Pushgateway that does not answer must
// not hold the fleet (pushes run beside the control loop, and the last
// one in the stop, which StopBound bounds).
const pushTimeout = 3 * time.Second

// pusher pushes a fleet's registry to a Prometheus Pushgateway every
// interval while the fleet runs, and once more when it ends, so that a
// Prometheus server scraping the gateway holds the run live and its
// final counts. A push replaces the group (HTTP PUT): the registry always
// holds the run's cumulative totals.
type pusher struct {
	p        *push.Pusher
	client   *http.Client
	gateway  string
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}

	mu       sync.Mutex
	pushes   int
	failures int
	lastErr  error
}

// newPusher returns a pusher of reg to gateway, grouped by the job
// PushJob and labels (the fleet's constant labels).
func newPusher(gateway string, interval time.Duration, reg *prometheus.Registry, labels prometheus.Labels) *pusher {
	// A transport of its own, so that finish can close its idle
	// connections: none outlives the fleet.
	client := &http.Client{Timeout: pushTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	p := push.New(gateway, PushJob).Gatherer(reg).Client(client).
		Format(expfmt.NewFormat(expfmt.TypeProtoDelim)) // native histograms need the protobuf format
	for k, v := range labels {
		p = p.Grouping(k, v)
	}
	return &pusher{p: p, client: client, gateway: gateway, interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
}

// start pushes every interval until finish is called.
func (p *pusher) start() {
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.pushOnce()
			}
		}
	}()
}

func (p *pusher) pushOnce() error {
	ctx, cancel := context.WithTimeout(context.Background(), pushTimeout)
	defer cancel()
	err := p.p.PushContext(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pushes++
	if err != nil {
		p.failures++
		p.lastErr = err
	}
	return err
}

// finish stops the periodic pushes and pushes the final state. It returns
// an error when the final push failed: a Prometheus reading the gateway
// would then miss this fleet's final counts.
func (p *pusher) finish() error {
	close(p.stop)
	<-p.done
	defer p.client.CloseIdleConnections()
	if err := p.pushOnce(); err != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		return fmt.Errorf("loadtest: the final push to the Pushgateway %s (Config.PushGateway) failed, so Prometheus misses this fleet's final counts (%d of %d pushes failed): %w",
			p.gateway, p.failures, p.pushes, err)
	}
	return nil
}

// failed returns how many pushes failed so far, of how many, and the last
// error.
func (p *pusher) failed() (failures, pushes int, last error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failures, p.pushes, p.lastErr
}

// validatePushGateway checks Config.PushGateway: an http(s) URL with a
// host.
func validatePushGateway(gw string) error {
	if gw == "" {
		return nil
	}
	u, err := url.Parse(gw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("loadtest: Config.PushGateway = " + fmt.Sprintf("%q", gw) +
			"; want the Pushgateway's base URL, http://host:port or https://host:port (" + PushGatewayEnv + " sets it too)")
	}
	return nil
}
