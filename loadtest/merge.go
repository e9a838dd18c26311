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
	if err := checkShards(rs); err != nil {
		return nil, err
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Config.Shard.Index < rs[j].Config.Shard.Index })

	epoch := rs[0].StatsEpoch
	for _, r := range rs[1:] {
		if r.StatsEpoch.Before(epoch) {
			epoch = r.StatsEpoch
		}
	}
	snap, err := mergeSnapshots(rs, epoch)
	if err != nil {
		return nil, err
	}
	points := mergeHistory(rs, epoch, snap.Elapsed)
	var startLat stats.HistogramSnapshot
	for _, r := range rs {
		if r.Histograms == nil {
			continue
		}
		s, err := r.Histograms.StartLatency.snapshot(nil)
		if err != nil {
			return nil, fmt.Errorf("%w: shard %s: start latency: %w", ErrMerge, r.Config.Shard, err)
		}
		startLat.Merge(&s)
	}

	first := rs[0]
	in := resultInput{
		test: first.Test, cfg: Config{WarmUp: first.Config.WarmUp}, start: first.Start, end: first.End,
		ffmpeg: first.FFmpeg, snap: snap, points: points, startLatency: &startLat,
		exits: map[string]int{}, origin: mergedOrigin(rs),
	}
	var viewers []ViewerResult
	for _, r := range rs {
		in.target += r.Clients.Target
		in.replays += r.Replays
		for k, n := range r.Exits {
			in.exits[k] += n
		}
		for _, e := range r.StartErrors {
			if !slices.Contains(in.startErrors, e) {
				in.startErrors = append(in.startErrors, e)
			}
		}
		in.start = minTime(in.start, r.Start)
		in.end = maxTime(in.end, r.End)
		viewers = append(viewers, r.Viewers...)
	}
	in.aborted = earliestAbort(rs, in.start)
	m := buildResult(in)
	m.Config = first.Config
	m.Config.Shard = Shard{}
	m.Clients = ClientCounts{Target: in.target}
	for _, r := range rs {
		c := r.Clients
		m.Clients.Total += c.Total
		m.Clients.Active += c.Active
		m.Clients.Stalled += c.Stalled
		m.Clients.Ended += c.Ended
		m.Clients.NeverStarted += c.NeverStarted
		m.Shards = append(m.Shards, ShardInfo{
			Shard: r.Config.Shard, Test: r.Test, Start: r.Start, End: r.End, Viewers: len(r.Viewers), FFmpeg: r.FFmpeg,
		})
	}
	m.QoE.StalledViewers = m.Clients.Stalled
	m.QoE.PeakStalledViewers = max(m.QoE.PeakStalledViewers, m.Clients.Stalled)
	sort.Slice(viewers, func(i, j int) bool { return viewers[i].ID < viewers[j].ID })
	m.Viewers = viewers
	return m, nil
}

// checkShards checks that rs are the shards of one run, each once.
func checkShards(rs []*Result) error {
	first := rs[0]
	seen := map[int]bool{}
	ids := map[int]int{} // viewer id -> shard index
	var problems []string
	for _, r := range rs {
		sh := r.Config.Shard
		switch {
		case r.Schema != first.Schema:
			problems = append(problems, fmt.Sprintf("report schema %q beside %q", r.Schema, first.Schema))
		case r.Schema != ReportSchema:
			problems = append(problems, fmt.Sprintf("report schema %q holds no histograms; want %q reports", r.Schema, ReportSchema))
		case r.snap == nil:
			problems = append(problems, fmt.Sprintf("shard %s has no stats; want live Results or ones from ReadReport", sh))
		case len(r.Shards) > 0 || sh.Count == 0:
			problems = append(problems, fmt.Sprintf("a merged Result (%d shards); want the shards' own Results", len(r.Shards)))
		case r.Config.RunID != first.Config.RunID:
			problems = append(problems, fmt.Sprintf("run id %q beside %q", r.Config.RunID, first.Config.RunID))
		case sh.Count != first.Config.Shard.Count:
			problems = append(problems, fmt.Sprintf("shard %s beside shard %s: different shard counts", sh, first.Config.Shard))
		case seen[sh.Index]:
			problems = append(problems, fmt.Sprintf("shard %s twice", sh))
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: %s", ErrMerge, problems[0])
		}
		seen[sh.Index] = true
		for _, v := range r.Viewers {
			if other, ok := ids[v.ID]; ok {
				return fmt.Errorf("%w: viewer %d is in shards %d and %d; want each viewer id in one shard", ErrMerge, v.ID, other, sh.Index)
			}
			ids[v.ID] = sh.Index
		}
	}
	var missing []string
	for i := range first.Config.Shard.Count {
		if !seen[i] {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: run %q has %d shards; shard(s) %s missing (a partial run is not the run)",
			ErrMerge, first.Config.RunID, first.Config.Shard.Count, strings.Join(missing, ", "))
	}
	return nil
}

// mergeSnapshots sums the shards' final snapshots; Elapsed counts from
// epoch to the latest shard's final snapshot.
func mergeSnapshots(rs []*Result, epoch time.Time) (*stats.Snapshot, error) {
	out := &stats.Snapshot{}
	var speedSum float64
	for _, r := range rs {
		s := r.snap
		out.Counters.Add(&s.Counters)
		out.Status = addStatus(out.Status, s.Status)
		out.SegmentLatency.Merge(&s.SegmentLatency)
		out.ManifestLatency.Merge(&s.ManifestLatency)
		out.Startup.Merge(&s.Startup)
		out.Clients.Total += s.Clients.Total
		out.Clients.Active += s.Clients.Active
		out.Clients.Stalled += s.Clients.Stalled
		out.Clients.Ended += s.Clients.Ended
		out.Clients.Pending += s.Clients.Pending
		addSpeed(out, &speedSum, s.SpeedViewers, s.SpeedMin, s.SpeedMean, s.DriftMax)
		out.Elapsed = max(out.Elapsed, r.StatsEpoch.Add(s.Elapsed).Sub(epoch))
	}
	if out.SpeedViewers > 0 {
		out.SpeedMean = speedSum / float64(out.SpeedViewers)
	}
	out.Time = epoch.Add(out.Elapsed)
	return out, nil
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

// mergeHistory aligns the shards' histories on the merged clock (epoch):
// one point per step from the first shard's first point to the last
// point before end, each summing every shard's latest point at or before
// it.
func mergeHistory(rs []*Result, epoch time.Time, end time.Duration) []stats.Point {
	step := time.Second
	first, last := time.Duration(-1), time.Duration(0)
	for _, r := range rs {
		ps := r.points
		if len(ps) == 0 {
			continue
		}
		off := r.StatsEpoch.Sub(epoch)
		if first < 0 || ps[0].Elapsed+off < first {
			first = ps[0].Elapsed + off
		}
		last = max(last, ps[len(ps)-1].Elapsed+off)
		for i := 1; i < len(ps); i++ { // a thinned history (runs over 10 minutes) sets a coarser step
			step = max(step, (ps[i].Elapsed - ps[i-1].Elapsed + time.Second/2).Truncate(time.Second))
		}
	}
	if first < 0 {
		return nil
	}
	last = min(last, end)
	var out []stats.Point
	next := make([]int, len(rs)) // per shard, the index of its first point after the current time
	for t := (first + step - 1).Truncate(step); t <= last; t += step {
		p := stats.Point{Elapsed: t, Time: epoch.Add(t)}
		var speedSum float64
		var gauges stats.Snapshot
		for k, r := range rs {
			off := r.StatsEpoch.Sub(epoch)
			ps := r.points
			for next[k] < len(ps) && ps[next[k]].Elapsed+off <= t {
				next[k]++
			}
			if next[k] == 0 {
				continue // not started yet
			}
			sp := &ps[next[k]-1]
			p.Counters.Add(&sp.Counters)
			p.Status = addStatus(p.Status, sp.Status)
			p.SegmentLatency.Merge(&sp.SegmentLatency)
			p.ManifestLatency.Merge(&sp.ManifestLatency)
			if next[k] == len(ps) && t-(ps[len(ps)-1].Elapsed+off) >= step {
				continue // ended: counts stay, viewers are gone
			}
			p.Clients.Active += sp.Clients.Active
			p.Clients.Stalled += sp.Clients.Stalled
			addSpeed(&gauges, &speedSum, sp.SpeedViewers, sp.SpeedMin, sp.SpeedMean, sp.DriftMax)
			p.Generator = worstGenerator(p.Generator, sp.Generator)
		}
		p.SpeedViewers, p.SpeedMin, p.DriftMax = gauges.SpeedViewers, gauges.SpeedMin, gauges.DriftMax
		if gauges.SpeedViewers > 0 {
			p.SpeedMean = speedSum / float64(gauges.SpeedViewers)
		}
		out = append(out, p)
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
func mergedOrigin(rs []*Result) *OriginTruth {
	start, end := rs[0].Start, rs[0].End
	for _, r := range rs {
		if r.Origin == nil {
			return nil
		}
		start, end = minTime(start, r.Start), maxTime(end, r.End)
	}
	for _, r := range rs {
		if r.Start.Equal(start) && r.End.Equal(end) {
			return r.Origin
		}
	}
	return nil
}

// earliestAbort returns the abort that came first in wall-clock time, its
// At counted from start.
func earliestAbort(rs []*Result, start time.Time) *Abort {
	var out *Abort
	var when time.Time
	for _, r := range rs {
		if r.Aborted == nil {
			continue
		}
		t := r.Start.Add(r.Aborted.At)
		if out == nil || t.Before(when) {
			a := *r.Aborted
			a.At = t.Sub(start)
			out, when = &a, t
		}
	}
	return out
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
