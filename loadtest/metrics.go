package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/metrics"
	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// newRegistry returns a registry of the fleet's own, with the collector
// over the fleet's stats (labelled with labels) and nothing else.
func (f *Fleet) newRegistry(labels prometheus.Labels) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(f.metricsSnapshot, labels))
	return reg
}

// metricsSnapshot is what a scrape or a push reads: the readers synced,
// the counters and histograms now, the control loop's latest generator
// reading (history's last point), and once the fleet stopped, the gauges
// as they were before the stop, as in the Result.
func (f *Fleet) metricsSnapshot(dst *stats.Snapshot) {
	f.sync()
	f.agg.SnapshotParts(dst, stats.IncludeHistograms)
	if p, ok := f.history.Last(); ok {
		dst.Generator = p.Generator
	}
	f.mu.Lock()
	f.endGaugesTo(dst)
	f.mu.Unlock()
}

// endGaugesTo sets dst's gauges (viewers active and stalled, speed,
// drift) to those read before the fleet stopped, once it has; f.mu held.
func (f *Fleet) endGaugesTo(dst *stats.Snapshot) {
	if g := f.endGauges; g != nil {
		dst.Clients.Active, dst.Clients.Stalled = g.Clients.Active, g.Clients.Stalled
		dst.SpeedViewers, dst.SpeedMin, dst.SpeedMean, dst.DriftMax = g.SpeedViewers, g.SpeedMin, g.SpeedMean, g.DriftMax
	}
}

// metricLabels are the labels of every metric of a fleet: the test name,
// and in a run with a run id, run_id and shard (the shard's index), so
// that the shards of one run add up in Prometheus.
func metricLabels(test string, cfg Config) prometheus.Labels {
	l := prometheus.Labels{"test": test}
	if cfg.RunID != "" {
		l["run_id"], l["shard"] = cfg.RunID, strconv.Itoa(cfg.Shard.Index)
	}
	return l
}

// metricsServer serves /metrics while the fleet runs.
type metricsServer struct {
	url  string
	srv  *http.Server
	done chan error
}

func serveMetrics(addr string, reg *prometheus.Registry) (*metricsServer, error) {
	ln, err := net.Listen("tcp", metricsListenAddr(addr))
	if err != nil {
		return nil, fmt.Errorf("loadtest: Config.MetricsAddr = %q: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m := &metricsServer{
		url:  "http://" + ln.Addr().String() + "/metrics",
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		done: make(chan error, 1),
	}
	go func() { m.done <- m.srv.Serve(ln) }()
	return m, nil
}

func (m *metricsServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := m.srv.Shutdown(ctx)
	if err != nil {
		m.srv.Close()
	}
	if serr := <-m.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("loadtest: metrics server: %w", err)
	}
	return nil
}

// writeMetricsText writes the fleet's registry in the Prometheus text
// format.
func (f *Fleet) writeMetricsText(w io.Writer) error {
	mfs, err := f.registry.Gather()
	if err != nil {
		return fmt.Errorf("loadtest: gather metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("loadtest: encode metrics: %w", err)
		}
	}
	return nil
}
