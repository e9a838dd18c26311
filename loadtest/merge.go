package loadtest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// ErrMerge is wrapped by every error of [Merge]: results that are not the
// shards of one run.
var ErrMerge = errors.New("loadtest: merge")

// ShardInfo is one shard of a merged Result.
type ShardInfo struct {
	Shard   Shard      `json:"shard"`
	Test    string     `json:"test"`
	Start   time.Time  `json:"start"`
	End     time.Time  `json:"end"`
	Viewers int        `json:"viewers"`
	FFmpeg  FFmpegInfo `json:"ffmpeg"`
}

// Merge returns the Result that one fleet of all the shards' viewers would
// have produced, from the Results of every shard of one run (live, or read
// with [ReadReport] from schema v2 reports), in any order:
//
//   - counts are summed, histograms merged bucket for bucket (exact), and
//     every figure derived from them (rates, quantiles) recomputed;
//   - the history is aligned on wall-clock seconds: shards start at
//     slightly different times, so the merged run's clock starts at the
//     earliest shard's and each merged point, one per second (or per the
//     coarsest shard's resolution), sums every shard's latest point at or
//     before it; a shard that has not started adds nothing, and one that
//     has ended adds its counts but no active viewers;
//   - viewers are listed by global id; Config is the run's (Clients its
//     whole size) with the zero Shard, and Shards lists the shards;
//   - exits, replays and start errors are summed or joined; Aborted is the
//     earliest abort of any shard;
//   - Origin: every shard of a run counts the same origin's requests over
//     its own window, so summing would count a request once per shard
//     whose window saw it. The merged Origin is that of a shard whose
//     window began first and ended last (it saw every shard's requests),
//     and nil when no shard's window covers the others' or a shard had none.
//
// Merge refuses (an error wrapping [ErrMerge], naming the culprits) results
// of different run ids, report schemas or shard counts, the same shard
// twice, a missing shard (a partial run must not pass for a whole one), a
// viewer id in two shards, and results without stats (a v1 report).
func Merge(results ...*Result) (*Result, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("%w: no results; want one per shard", ErrMerge)
	}
	rs := slices.Clone(results)
	var check shardCheck
	for _, r := range rs {
		if err := check.add(r); err != nil {
			return nil, err
		}
	}
	if err := check.finish(); err != nil {
		return nil, err
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Config.Shard.Index < rs[j].Config.Shard.Index })
	clocks := make([]shardClock, len(rs))
	for i, r := range rs {
		clocks[i] = clockOf(r)
	}
	m := newMerger(layoutOf(clocks))
	for _, r := range rs {
		if err := m.add(r); err != nil {
			return nil, err
		}
	}
	return m.result(), nil
}

// shardCheck checks, one Result at a time, that Results are the shards of
// one run, each once.
type shardCheck struct {
	first *Result
	seen  map[int]bool
	ids   map[int]int // viewer id -> shard index
}

func (c *shardCheck) add(r *Result) error {
	if c.first == nil {
		c.first, c.seen, c.ids = r, map[int]bool{}, map[int]int{}
	}
	first, sh := c.first, r.Config.Shard
	var problem string
	switch {
	case r.Schema != first.Schema:
		problem = fmt.Sprintf("report schema %q beside %q", r.Schema, first.Schema)
	case r.Schema != ReportSchema:
		problem = fmt.Sprintf("report schema %q holds no histograms; want %q reports", r.Schema, ReportSchema)
	case r.snap == nil:
		problem = fmt.Sprintf("shard %s has no stats; want live Results or ones from ReadReport", sh)
	case len(r.Shards) > 0 || sh.Count == 0:
		problem = fmt.Sprintf("a merged Result (%d shards); want the shards' own Results", len(r.Shards))
	case r.Config.RunID != first.Config.RunID:
		problem = fmt.Sprintf("run id %q beside %q", r.Config.RunID, first.Config.RunID)
	case sh.Count != first.Config.Shard.Count:
		problem = fmt.Sprintf("shard %s beside shard %s: different shard counts", sh, first.Config.Shard)
	case c.seen[sh.Index]:
		problem = fmt.Sprintf("shard %s twice", sh)
	}
	if problem != "" {
		return fmt.Errorf("%w: %s", ErrMerge, problem)
	}
	c.seen[sh.Index] = true
	for _, v := range r.Viewers {
		if other, ok := c.ids[v.ID]; ok {
			return fmt.Errorf("%w: viewer %d is in shards %d and %d; want each viewer id in one shard", ErrMerge, v.ID, other, sh.Index)
		}
		c.ids[v.ID] = sh.Index
	}
	return nil
}

// finish checks that no shard of the run is missing.
func (c *shardCheck) finish() error {
	var missing []string
	for i := range c.first.Config.Shard.Count {
		if !c.seen[i] {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: run %q has %d shards; shard(s) %s missing (a partial run is not the run)",
			ErrMerge, c.first.Config.RunID, c.first.Config.Shard.Count, strings.Join(missing, ", "))
	}
	return nil
}

// shardClock is what the merged clock needs of one shard: its stats epoch,
// the Elapsed of its history points and of its final counts.
type shardClock struct {
	epoch   time.Time
	elapsed []time.Duration
	final   time.Duration
}

func clockOf(r *Result) shardClock {
	c := shardClock{epoch: r.StatsEpoch, final: r.snap.Elapsed}
	for i := range r.points {
		c.elapsed = append(c.elapsed, r.points[i].Elapsed)
	}
	return c
}

// mergeLayout is the merged run's clock: it starts at the earliest
// shard's stats epoch; its points are step apart, from first to last, and
// its final counts are at end.
type mergeLayout struct {
	epoch       time.Time
	step        time.Duration
	first, last time.Duration // first > last: no points
	end         time.Duration
}

// layoutOf returns the merged clock of the shards: one point per step (a
// second, or the coarsest shard's thinned resolution) from the first
// shard's first point to the last point before the merged end.
func layoutOf(clocks []shardClock) mergeLayout {
	l := mergeLayout{epoch: clocks[0].epoch, step: time.Second, first: -1}
	for _, c := range clocks[1:] {
		if c.epoch.Before(l.epoch) {
			l.epoch = c.epoch
		}
	}
	var last time.Duration
	for _, c := range clocks {
		off := c.epoch.Sub(l.epoch)
		l.end = max(l.end, c.final+off)
		if len(c.elapsed) == 0 {
			continue
		}
		if l.first < 0 || c.elapsed[0]+off < l.first {
			l.first = c.elapsed[0] + off
		}
		last = max(last, c.elapsed[len(c.elapsed)-1]+off)
		// A shard's resolution is its smallest gap (a History keeps points
		// at least 0.9 of it apart; a late point makes one gap longer, not
		// the resolution coarser); a thinned history (runs over 10
		// minutes) sets a coarser step for all.
		gap := time.Duration(-1)
		for i := 1; i < len(c.elapsed); i++ {
			if d := c.elapsed[i] - c.elapsed[i-1]; gap < 0 || d < gap {
				gap = d
			}
		}
		l.step = max(l.step, (gap + time.Second/2).Truncate(time.Second))
	}
	if l.first < 0 {
		l.first, l.last = 1, 0
		return l
	}
	l.first = (l.first + l.step - 1).Truncate(l.step)
	l.last = min(last, l.end)
	return l
}

// merger folds shards into the merged run one at a time, so that merging
// report files holds one shard's history at a time (see MergeReportFiles).
type merger struct {
	layout    mergeLayout
	points    []stats.Point
	speedSums []float64 // per point: the sum of speed means weighted by viewers
	snap      stats.Snapshot
	speedSum  float64
	startLat  stats.HistogramSnapshot
	first     *Result // shard 0's, or the first added: the merged run's Config, Test and FFmpeg
	in        resultInput
	clients   ClientCounts
	viewers   []ViewerResult
	shards    []ShardInfo
	windows   []originWindow
	aborts    []Abort // At on the wall clock, as time since the zero time
	abortAt   []time.Time
}

// originWindow is one shard's window on the origin and what it counted.
type originWindow struct {
	start, end time.Time
	origin     *OriginTruth
}

func newMerger(l mergeLayout) *merger {
	m := &merger{layout: l, in: resultInput{exits: map[string]int{}}}
	for t := l.first; t <= l.last; t += l.step {
		m.points = append(m.points, stats.Point{Elapsed: t, Time: l.epoch.Add(t)})
	}
	m.speedSums = make([]float64, len(m.points))
	return m
}

// add folds in one shard (checked by a shardCheck).
func (m *merger) add(r *Result) error {
	if m.first == nil || r.Config.Shard.Index == 0 {
		m.first = r
	}
	if r.Histograms != nil {
		s, err := r.Histograms.StartLatency.snapshot(nil)
		if err != nil {
			return fmt.Errorf("%w: shard %s: start latency: %w", ErrMerge, r.Config.Shard, err)
		}
		m.startLat.Merge(&s)
	}
	m.addSnapshot(r)
	m.addHistory(r)
	in := &m.in
	in.target += r.Clients.Target
	in.replays += r.Replays
	in.protocols = mergeProtocols(in.protocols, r.Protocols)
	for k, n := range r.Exits {
		in.exits[k] += n
	}
	for _, e := range r.StartErrors {
		if !slices.Contains(in.startErrors, e) {
			in.startErrors = append(in.startErrors, e)
		}
	}
	if len(m.shards) == 0 {
		in.start, in.end = r.Start, r.End
	}
	in.start, in.end = minTime(in.start, r.Start), maxTime(in.end, r.End)
	c := r.Clients
	m.clients.Total += c.Total
	m.clients.Active += c.Active
	m.clients.Stalled += c.Stalled
	m.clients.Ended += c.Ended
	m.clients.NeverStarted += c.NeverStarted
	m.viewers = append(m.viewers, r.Viewers...)
	m.shards = append(m.shards, ShardInfo{
		Shard: r.Config.Shard, Test: r.Test, Start: r.Start, End: r.End, Viewers: len(r.Viewers), FFmpeg: r.FFmpeg,
	})
	m.windows = append(m.windows, originWindow{r.Start, r.End, r.Origin})
	if r.Aborted != nil {
		m.aborts = append(m.aborts, *r.Aborted)
		m.abortAt = append(m.abortAt, r.Start.Add(r.Aborted.At))
	}
	return nil
}

// addSnapshot adds a shard's final counts.
func (m *merger) addSnapshot(r *Result) {
	s, out := r.snap, &m.snap
	out.Counters.Add(&s.Counters)
	out.Status = addStatus(out.Status, s.Status)
	out.SegmentLatency.Merge(&s.SegmentLatency)
	out.ManifestLatency.Merge(&s.ManifestLatency)
	out.SegmentTTFB.Merge(&s.SegmentTTFB)
	out.Startup.Merge(&s.Startup)
	out.Clients.Total += s.Clients.Total
	out.Clients.Active += s.Clients.Active
	out.Clients.Stalled += s.Clients.Stalled
	out.Clients.Ended += s.Clients.Ended
	out.Clients.Pending += s.Clients.Pending
	addSpeed(out, &m.speedSum, s.SpeedViewers, s.SpeedMin, s.SpeedMean, s.DriftMax)
}

// addHistory adds a shard's history to every merged point: its latest
// point at or before it, counts always, viewers only while the shard ran.
func (m *merger) addHistory(r *Result) {
	off := r.StatsEpoch.Sub(m.layout.epoch)
	ps := r.points
	next := 0 // the index of the shard's first point after the merged point
	for k := range m.points {
		p := &m.points[k]
		for next < len(ps) && ps[next].Elapsed+off <= p.Elapsed {
			next++
		}
		if next == 0 {
			continue // not started yet
		}
		sp := &ps[next-1]
		p.Counters.Add(&sp.Counters)
		p.Status = addStatus(p.Status, sp.Status)
		p.SegmentLatency.Merge(&sp.SegmentLatency)
		p.ManifestLatency.Merge(&sp.ManifestLatency)
		p.SegmentTTFB.Merge(&sp.SegmentTTFB)
		if next == len(ps) && p.Elapsed-(ps[len(ps)-1].Elapsed+off) >= m.layout.step {
			continue // ended: counts stay, viewers are gone
		}
		p.Clients.Active += sp.Clients.Active
		p.Clients.Stalled += sp.Clients.Stalled
		g := stats.Snapshot{SpeedViewers: p.SpeedViewers, SpeedMin: p.SpeedMin, DriftMax: p.DriftMax}
		addSpeed(&g, &m.speedSums[k], sp.SpeedViewers, sp.SpeedMin, sp.SpeedMean, sp.DriftMax)
		p.SpeedViewers, p.SpeedMin, p.DriftMax = g.SpeedViewers, g.SpeedMin, g.DriftMax
		p.Generator = worstGenerator(p.Generator, sp.Generator)
	}
}

// result builds the merged Result.
func (m *merger) result() *Result {
	snap := &m.snap
	if snap.SpeedViewers > 0 {
		snap.SpeedMean = m.speedSum / float64(snap.SpeedViewers)
	}
	snap.Elapsed = m.layout.end
	snap.Time = m.layout.epoch.Add(snap.Elapsed)
	for k := range m.points {
		if p := &m.points[k]; p.SpeedViewers > 0 {
			p.SpeedMean = m.speedSums[k] / float64(p.SpeedViewers)
		}
	}
	first := m.first
	in := m.in
	in.test, in.cfg, in.ffmpeg = first.Test, Config{WarmUp: first.Config.WarmUp}, first.FFmpeg
	in.snap, in.points, in.startLatency = snap, m.points, &m.startLat
	in.origin = mergedOrigin(m.windows)
	sort.Strings(in.startErrors)
	for i := range m.aborts {
		if in.aborted == nil || m.abortAt[i].Before(in.start.Add(in.aborted.At)) {
			a := m.aborts[i]
			a.At = m.abortAt[i].Sub(in.start)
			in.aborted = &a
		}
	}
	r := buildResult(in)
	r.Config = first.Config
	r.Config.Shard = Shard{}
	r.Clients = m.clients
	r.Clients.Target = in.target
	r.QoE.StalledViewers = r.Clients.Stalled
	r.QoE.PeakStalledViewers = max(r.QoE.PeakStalledViewers, r.Clients.Stalled)
	sort.Slice(m.viewers, func(i, j int) bool { return m.viewers[i].ID < m.viewers[j].ID })
	r.Viewers = m.viewers
	sort.Slice(m.shards, func(i, j int) bool { return m.shards[i].Shard.Index < m.shards[j].Shard.Index })
	r.Shards = m.shards
	return r
}

// addSpeed adds one shard's speed gauges to out: the slowest viewer, the
// mean weighted by viewers (sum in *sum), the largest drift.
func addSpeed(out *stats.Snapshot, sum *float64, n int, lo, mean float64, drift time.Duration) {
	if n == 0 {
		return
	}
	if out.SpeedViewers == 0 || lo < out.SpeedMin {
		out.SpeedMin = lo
	}
	if out.SpeedViewers == 0 || drift > out.DriftMax {
		out.DriftMax = drift
	}
	out.SpeedViewers += n
	*sum += mean * float64(n)
}

// addStatus returns a + b, both sorted by code.
func addStatus(a, b []stats.StatusCount) []stats.StatusCount {
	m := map[int]uint64{}
	for _, s := range a {
		m[s.Code] += s.Count
	}
	for _, s := range b {
		m[s.Code] += s.Count
	}
	out := make([]stats.StatusCount, 0, len(m))
	for _, code := range slices.Sorted(maps.Keys(m)) {
		out = append(out, stats.StatusCount{Code: code, Count: m[code]})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// worstGenerator combines two machines' readings of one second: the worse
// of each (the merged run is judged by its most loaded generator).
func worstGenerator(a, b stats.Generator) stats.Generator {
	if a.Known == 0 {
		return b
	}
	out := a
	out.Known |= b.Known
	out.CPUPressure = max(a.CPUPressure, b.CPUPressure)
	out.Load = max(a.Load, b.Load)
	out.SchedLatencyP99 = max(a.SchedLatencyP99, b.SchedLatencyP99)
	out.MemPressure = max(a.MemPressure, b.MemPressure)
	if b.Has(stats.GenMemAvailable) && (!a.Has(stats.GenMemAvailable) || b.MemAvailable < a.MemAvailable) {
		out.MemAvailable = b.MemAvailable
	}
	if bu, ok := b.FDUsage(); ok {
		if au, ok := a.FDUsage(); !ok || bu > au {
			out.FDs, out.FDLimit = b.FDs, b.FDLimit
		}
	}
	out.SlowViewers = max(a.SlowViewers, b.SlowViewers)
	return out
}

// mergedOrigin returns the Origin of a shard whose window covers every
// other shard's, or nil (see Merge).
func mergedOrigin(ws []originWindow) *OriginTruth {
	start, end := ws[0].start, ws[0].end
	for _, w := range ws {
		if w.origin == nil {
			return nil
		}
		start, end = minTime(start, w.start), maxTime(end, w.end)
	}
	for _, w := range ws {
		if w.start.Equal(start) && w.end.Equal(end) {
			return w.origin
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
