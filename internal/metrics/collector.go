package metrics

import (
	"strconv"
	"sync"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/prometheus/client_golang/prometheus"
)

// Prefix is put before every catalogue name.
const Prefix = "hlsswarm_"

// SnapshotFunc stores a current snapshot of the fleet in dst. Only
// counters, status codes, histograms and gauges are read; per-viewer rows
// are not needed.
type SnapshotFunc func(dst *stats.Snapshot)

// Collector is a prometheus.Collector over a fleet's stats. Each Collect
// takes one snapshot through its SnapshotFunc; concurrent scrapes are
// serialized so that the snapshot buffer is reused.
type Collector struct {
	snapshot SnapshotFunc
	metrics  []exported

	mu  sync.Mutex
	buf stats.Snapshot
}

// exported is one catalogue metric with its Prometheus form.
type exported struct {
	desc    *prometheus.Desc
	collect func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot)
}

// NewCollector returns a Collector that reads snapshots through snapshot.
// constLabels (may be nil) are added to every metric, e.g. the test name.
func NewCollector(snapshot SnapshotFunc, constLabels prometheus.Labels) *Collector {
	c := &Collector{snapshot: snapshot}
	for _, m := range stats.Catalog() {
		e, ok := exportOf(m, constLabels)
		if ok {
			c.metrics = append(c.metrics, e)
		}
	}
	// http_errors selects by code or by kind; the stats count each
	// dimension apart, so the kinds are a counter of their own.
	c.metrics = append(c.metrics, exported{
		prometheus.NewDesc(HTTPErrorsByKind, "HTTP errors, by request kind.", []string{"kind"}, constLabels),
		collectHTTPErrorsByKind,
	})
	return c
}

// Name returns the Prometheus name of a catalogue metric: Prefix + name,
// then "_seconds" when its unit is seconds and "_total" after counters,
// as Prometheus names its metrics.
func Name(m stats.Metric) string {
	n := Prefix + m.Name
	if m.Unit == "seconds" {
		n += "_seconds"
	}
	if m.Type == stats.MetricCounter {
		n += "_total"
	}
	return n
}

func exportOf(m stats.Metric, constLabels prometheus.Labels) (exported, bool) {
	name := Name(m)
	help := m.Help
	if m.Unit == "seconds" {
		help += " In seconds."
	}
	newDesc := func(labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, constLabels)
	}
	switch m.Type {
	case stats.MetricCounter:
		if m.Name == "http_errors" {
			return exported{newDesc("code"), collectHTTPErrors}, true
		}
		metricName, scale := m.Name, 1.0
		if m.Unit == "seconds" {
			scale = 1e-9 // counted in nanoseconds
		}
		playback := stats.PlaybackMetric(m.Name)
		return exported{newDesc(), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
			if playback && !s.Counters.PlaybackMeasured() {
				return // not measured (the ffmpeg engine), rather than a count of 0
			}
			v, _ := stats.CounterValue(&s.Counters, metricName)
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v)*scale)
		}}, true
	case stats.MetricRate:
		if m.Name == "http_error_rate" {
			return exported{newDesc("kind"), collectErrorRates}, true
		}
		metricName := m.Name
		return exported{newDesc(), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
			if r, ok := stats.RateValue(&s.Counters, metricName); ok && !r.NoData {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, r.Value)
			}
		}}, true
	case stats.MetricDistribution:
		pick := histogramOf(m.Name)
		if pick == nil {
			return exported{}, false
		}
		ttfb := m.Name == "segment_ttfb"
		return exported{newDesc(), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
			h := pick(s)
			if ttfb && h.Count == 0 {
				return // not measured (the ffmpeg engine), rather than an empty histogram
			}
			ch <- histogramOfSnapshot(d, h)
		}}, true
	case stats.MetricGauge:
		switch m.Name {
		case "clients_active":
			return exported{newDesc(), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(s.Clients.Active))
			}}, true
		case "clients_stalled":
			return exported{newDesc(), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(s.Clients.Stalled))
			}}, true
		case "speed":
			return exported{newDesc("stat"), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
				if s.SpeedViewers == 0 {
					return
				}
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, s.SpeedMin, "min")
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, s.SpeedMean, "mean")
			}}, true
		case "drift":
			// Like speed, and as thresholds read it: no value while no
			// viewer's speed is measured.
			return exported{newDesc(), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
				if s.SpeedViewers == 0 {
					return
				}
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, s.DriftMax.Seconds())
			}}, true
		}
		if read := generatorReader(m.Name); read != nil {
			return exported{newDesc(), func(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
				if v, ok := read(&s.Generator); ok {
					ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
				}
			}}, true
		}
	}
	return exported{}, false
}

func histogramOf(name string) func(*stats.Snapshot) *stats.HistogramSnapshot {
	switch name {
	case "segment_latency":
		return func(s *stats.Snapshot) *stats.HistogramSnapshot { return &s.SegmentLatency }
	case "manifest_latency":
		return func(s *stats.Snapshot) *stats.HistogramSnapshot { return &s.ManifestLatency }
	case "startup_time":
		return func(s *stats.Snapshot) *stats.HistogramSnapshot { return &s.Startup }
	case "segment_ttfb":
		return func(s *stats.Snapshot) *stats.HistogramSnapshot { return &s.SegmentTTFB }
	}
	return nil
}

func collectHTTPErrors(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
	for _, sc := range s.Status {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(sc.Count), strconv.Itoa(sc.Code))
	}
}

// HTTPErrorsByKind is the Prometheus name of the HTTP errors counted by
// request kind (label kind), http_errors{kind=...} in thresholds.
const HTTPErrorsByKind = Prefix + "http_errors_by_kind_total"

func collectHTTPErrorsByKind(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
	for k := stats.Kind(0); k < stats.NumKinds; k++ {
		if n := s.Counters.HTTPErrorsByKind[k]; n > 0 {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(n), k.String())
		}
	}
}

func collectErrorRates(ch chan<- prometheus.Metric, d *prometheus.Desc, s *stats.Snapshot) {
	if r := stats.HTTPErrorRate(&s.Counters); !r.NoData {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, r.Value, "all")
	}
	for k := stats.Kind(0); k < stats.NumKinds; k++ {
		if r := stats.HTTPErrorRateKind(&s.Counters, k); !r.NoData {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, r.Value, k.String())
		}
	}
}

// Describe sends the descriptor of every exported metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, e := range c.metrics {
		ch <- e.desc
	}
}

// Collect takes one snapshot and sends every exported metric.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snapshot(&c.buf)
	for _, e := range c.metrics {
		e.collect(ch, e.desc, &c.buf)
	}
}
