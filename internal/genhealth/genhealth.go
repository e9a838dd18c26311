package genhealth

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"runtime"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// schedMetric is the runtime/metrics histogram of the time goroutines
// spent runnable before running.
const schedMetric = "/sched/latencies:seconds"

// Sampler reads the generator's health. Each Sample covers the time since
// the previous one (PSI totals and the scheduling histogram are
// cumulative, so a one-second reading is exact, not a smoothed average).
// A Sampler is not safe for concurrent use.
type Sampler struct {
	proc fs.FS // /proc, or testdata
	cpus int

	at               time.Time // previous sample; zero before the first
	cpuTotal, memTot uint64    // PSI "some" totals at the previous sample, µs
	cpuOK, memOK     bool

	sched     []metrics.Sample
	schedPrev []uint64
}

// New returns a Sampler of this machine and process. Each Sample covers
// the interval since the previous one, the first since New.
func New() *Sampler {
	return newSampler(procFS(), runtime.NumCPU())
}

func newSampler(proc fs.FS, cpus int) *Sampler {
	s := &Sampler{proc: proc, cpus: max(cpus, 1), sched: []metrics.Sample{{Name: schedMetric}}}
	// The baselines: what happened before New is not the fleet's.
	s.schedP99()
	if proc != nil {
		if b, err := fs.ReadFile(proc, "pressure/cpu"); err == nil {
			s.pressure(b, &s.cpuTotal, &s.cpuOK, 0)
		}
		if b, err := fs.ReadFile(proc, "pressure/memory"); err == nil {
			s.pressure(b, &s.memTot, &s.memOK, 0)
		}
		s.at = time.Now()
	}
	return s
}

// Sample reads the generator now into snap.Generator; the share of slow
// viewers comes from snap's SpeedViewers and SpeedSlow.
func (s *Sampler) Sample(now time.Time, snap *stats.Snapshot) {
	g := &snap.Generator
	*g = stats.Generator{}
	wall := time.Duration(0)
	if !s.at.IsZero() {
		wall = now.Sub(s.at)
	}
	s.at = now
	if s.proc != nil {
		if b, err := fs.ReadFile(s.proc, "pressure/cpu"); err == nil {
			if p, ok := s.pressure(b, &s.cpuTotal, &s.cpuOK, wall); ok {
				g.CPUPressure, g.Known = p, g.Known|stats.GenCPUPressure
			}
		}
		if b, err := fs.ReadFile(s.proc, "pressure/memory"); err == nil {
			if p, ok := s.pressure(b, &s.memTot, &s.memOK, wall); ok {
				g.MemPressure, g.Known = p, g.Known|stats.GenMemPressure
			}
		}
		if b, err := fs.ReadFile(s.proc, "loadavg"); err == nil {
			if l, ok := parseLoad(b); ok {
				g.Load, g.Known = l/float64(s.cpus), g.Known|stats.GenLoad
			}
		}
		if b, err := fs.ReadFile(s.proc, "meminfo"); err == nil {
			if m, ok := parseMemAvailable(b); ok {
				g.MemAvailable, g.Known = m, g.Known|stats.GenMemAvailable
			}
		}
	}
	if n, lim, ok := openFDs(); ok {
		g.FDs, g.FDLimit, g.Known = n, lim, g.Known|stats.GenFDs
	}
	if p, ok := s.schedP99(); ok {
		g.SchedLatencyP99, g.Known = p, g.Known|stats.GenSchedLatency
	}
	if snap.SpeedViewers > 0 {
		g.SlowViewers = float64(snap.SpeedSlow) / float64(snap.SpeedViewers)
		g.Known |= stats.GenSlowViewers
	}
}

// pressure returns the share of wall time covered by the growth of the
// "some" total since the previous reading (kept in *prev), or the avg10
// figure when there is no previous reading to compare with (none, a
// total that went back, no wall time between them).
func (s *Sampler) pressure(b []byte, prev *uint64, have *bool, wall time.Duration) (float64, bool) {
	avg10, total, err := ParsePressure(b)
	if err != nil {
		return 0, false
	}
	first := !*have || wall <= 0 || total < *prev
	d := total - *prev
	*prev, *have = total, true
	if first {
		return avg10, true
	}
	return min(float64(d)/float64(wall.Microseconds()), 1), true
}

// ErrNoSome is returned by [ParsePressure] for text without a "some" line.
var ErrNoSome = errors.New("genhealth: no \"some\" line in the pressure file")

// ParsePressure reads the "some" line of a Linux PSI file
// (/proc/pressure/cpu, memory or io): its avg10 as a ratio in [0,1] and its
// total, in microseconds.
func ParsePressure(b []byte) (avg10 float64, total uint64, err error) {
	for line := range bytes.Lines(b) {
		f := bytes.Fields(line)
		if len(f) == 0 || string(f[0]) != "some" {
			continue
		}
		gotAvg, gotTotal := false, false
		for _, kv := range f[1:] {
			k, v, ok := bytes.Cut(kv, []byte("="))
			if !ok {
				continue
			}
			switch string(k) {
			case "avg10":
				x, err := strconv.ParseFloat(string(v), 64)
				if err != nil {
					return 0, 0, errors.New("genhealth: pressure avg10=" + string(v) + ": want a percentage")
				}
				avg10, gotAvg = x/100, true
			case "total":
				x, err := strconv.ParseUint(string(v), 10, 64)
				if err != nil {
					return 0, 0, errors.New("genhealth: pressure total=" + string(v) + ": want microseconds")
				}
				total, gotTotal = x, true
			}
		}
		if !gotAvg || !gotTotal {
			return 0, 0, errors.New("genhealth: pressure \"some\" line lacks avg10= or total=")
		}
		return avg10, total, nil
	}
	return 0, 0, ErrNoSome
}

// parseLoad returns the 1-minute load average of /proc/loadavg.
func parseLoad(b []byte) (float64, bool) {
	f := bytes.Fields(b)
	if len(f) < 1 {
		return 0, false
	}
	l, err := strconv.ParseFloat(string(f[0]), 64)
	return l, err == nil
}

// parseMemAvailable returns MemAvailable of /proc/meminfo, in bytes.
func parseMemAvailable(b []byte) (uint64, bool) {
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("MemAvailable:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		return kb * 1024, err == nil
	}
	return 0, false
}

// schedP99 returns the p99 of the scheduling latencies recorded since the
// previous call (since the process started, on the first call).
func (s *Sampler) schedP99() (time.Duration, bool) {
	metrics.Read(s.sched)
	if s.sched[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0, false
	}
	h := s.sched[0].Value.Float64Histogram()
	p, ok := deltaQuantile(h.Counts, s.schedPrev, h.Buckets, 0.99)
	s.schedPrev = append(s.schedPrev[:0], h.Counts...)
	return p, ok
}

// deltaQuantile returns quantile q of the histogram counts - prev (prev
// may be shorter or nil), as the upper bound of the bucket it falls in
// (the lower bound for the last, unbounded bucket), and false when no
// observation was added.
func deltaQuantile(counts, prev []uint64, buckets []float64, q float64) (time.Duration, bool) {
	var total uint64
	for i, c := range counts {
		total += c - at(prev, i)
	}
	if total == 0 || len(buckets) != len(counts)+1 {
		return 0, false
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var cum uint64
	for i, c := range counts {
		cum += c - at(prev, i)
		if cum >= rank {
			hi := buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = buckets[i]
			}
			return time.Duration(hi * float64(time.Second)), true
		}
	}
	return 0, false
}

func at(xs []uint64, i int) uint64 {
	if i < len(xs) {
		return xs[i]
	}
	return 0
}

// MemAvailable returns the machine's available memory (MemAvailable of
// /proc/meminfo), in bytes, and false where it cannot be read.
func MemAvailable() (uint64, bool) {
	p := procFS()
	if p == nil {
		return 0, false
	}
	b, err := fs.ReadFile(p, "meminfo")
	if err != nil {
		return 0, false
	}
	return parseMemAvailable(b)
}
