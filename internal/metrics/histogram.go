package metrics

import (
	"math"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// NativeSchema is the schema of the exported native histograms: 2^3
// buckets per doubling, each about 9 % wider than the one below, the
// resolution client_golang picks for its default bucket factor of 1.1.
// A stats histogram bucket (at most 1/128 of its low bound wide) maps
// to the native bucket that holds its midpoint, so a quantile read from
// the native histogram is within one native bucket of the stats one.
const NativeSchema = 3

// ClassicBuckets are the upper bounds, in seconds, of the classic
// buckets every latency histogram carries beside its native buckets, for
// scrapers and remote stores that do not read native histograms: from 5 ms
// (a segment from a nearby cache) to a minute (a body that stalls).
var classicBuckets = [...]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// ClassicBuckets returns the upper bounds, in seconds, of the classic
// buckets every exported latency histogram carries, a fresh slice.
func ClassicBuckets() []float64 { return append([]float64(nil), classicBuckets[:]...) }

// histogramMetric is a const Prometheus histogram in seconds carrying
// both a native (sparse, exponential) and a classic bucket layout of one
// stats histogram.
type histogramMetric struct {
	desc *prometheus.Desc
	h    *dto.Histogram
	lbl  []*dto.LabelPair
}

func (m *histogramMetric) Desc() *prometheus.Desc { return m.desc }

func (m *histogramMetric) Write(out *dto.Metric) error {
	out.Histogram = m.h
	out.Label = m.lbl
	return nil
}

// histogramOfSnapshot converts h to a Prometheus histogram metric in
// seconds, with native buckets of NativeSchema and the classic buckets.
func histogramOfSnapshot(d *prometheus.Desc, h *stats.HistogramSnapshot, labelValues ...string) prometheus.Metric {
	native := make(map[int]int64)
	var zero uint64
	h.Buckets(func(low, high time.Duration, count uint64) {
		mid := low + (high-low)/2
		if high == math.MaxInt64 {
			mid = low
		}
		if mid <= 0 {
			zero += count
			return
		}
		native[NativeIndex(mid.Seconds(), NativeSchema)] += int64(count)
	})
	// The zero threshold is below the smallest latency a stats histogram
	// tells apart from 0 (1 ns), so the zero bucket holds exact zeros.
	base, err := prometheus.NewConstNativeHistogram(d, h.Count, h.Sum.Seconds(), native, nil, zero,
		NativeSchema, 1e-10, time.Time{}, labelValues...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	var out dto.Metric
	if err := base.Write(&out); err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	// out.Histogram belongs to base, made for this call alone: add the
	// classic buckets to it and drop its zero created timestamp.
	m := &histogramMetric{desc: d, h: out.Histogram, lbl: out.Label}
	m.h.CreatedTimestamp = nil
	m.h.Bucket = make([]*dto.Bucket, len(classicBuckets))
	for i, ub := range classicBuckets {
		below := h.CountAtOrBelow(time.Duration(ub * float64(time.Second)))
		m.h.Bucket[i] = &dto.Bucket{UpperBound: proto.Float64(ub), CumulativeCount: proto.Uint64(below)}
	}
	return m
}

// NativeIndex returns the index of the native histogram bucket of the
// given schema (1..8) that holds v > 0: bucket i holds (base^(i-1),
// base^i] with base = 2^(2^-schema), the layout Prometheus defines.
func NativeIndex(v float64, schema int32) int {
	frac, exp := math.Frexp(v) // v = frac * 2^exp, frac in [0.5, 1)
	// log2(v) = exp-1 + log2(2*frac); bucket = ceil(log2(v) * 2^schema).
	scale := float64(int64(1) << uint(schema))
	return int(math.Ceil((float64(exp-1) + math.Log2(2*frac)) * scale))
}
