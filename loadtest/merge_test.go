package loadtest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
	"github.com/hlsswarm/hlsswarm/internal/threshold"
)

// simRun builds the Result of a deterministic run of the given viewers
// (global ids) over secs seconds, its clock starting at t0, as the fleet
// builds it: viewer id plays one segment and one playlist a second, with
// latencies that depend on the id and the second; viewers with an id in
// failing get a 503 on every other segment.
func simRun(t0 time.Time, cfg Config, ids []int, secs int, failing map[int]bool) *Result {
	now := t0
	agg := stats.NewAggregator(stats.Options{Now: func() time.Time { return now }})
	hist := stats.NewHistory(0)
	vs := make([]*stats.Viewer, len(ids))
	for i, id := range ids {
		vs[i] = agg.AddViewer(id)
		vs[i].Started(t0)
	}
	var snap stats.Snapshot
	for sec := 1; sec <= secs; sec++ {
		now = t0.Add(time.Duration(sec) * time.Second)
		for i, v := range vs {
			id := ids[i]
			v.AddRequest(stats.KindManifest)
			v.ObserveLatency(stats.KindManifest, time.Duration(id)*time.Millisecond)
			v.AddRequest(stats.KindSegment)
			if failing[id] && sec%2 == 0 {
				v.AddHTTPError(stats.KindSegment, 503)
			} else {
				v.ObserveLatency(stats.KindSegment, time.Duration(sec*10+id)*time.Millisecond)
				v.AddBytes(10_000 * int64(id))
			}
			v.ObserveProgress(now, time.Duration(sec)*time.Second, 1)
			if sec == 1 {
				v.FirstSegment(now)
			}
		}
		agg.Snapshot(&snap, false)
		hist.Add(&snap)
	}
	now = now.Add(200 * time.Millisecond)
	var startLat stats.Histogram
	for _, id := range ids {
		startLat.Record(time.Duration(100+id) * time.Millisecond)
	}
	var sl stats.HistogramSnapshot
	startLat.Snapshot(&sl)
	final := new(stats.Snapshot)
	agg.Snapshot(final, true)
	return buildResult(resultInput{
		test: "TestSharded", cfg: cfg.withDefaults(), start: t0, end: now,
		ffmpeg: FFmpegInfo{Path: "/usr/bin/ffmpeg", Version: "5.1.9"},
		target: len(ids), snap: final, points: hist.Points(), startLatency: &sl,
		exits: map[string]int{"stopped": len(ids)},
	})
}

// shardIDs returns the global ids of shard s of a run of n viewers.
func shardIDs(s Shard, n int) []int {
	var ids []int
	for local := 1; local <= s.clients(n); local++ {
		ids = append(ids, s.globalID(local))
	}
	return ids
}

// simShards runs count shards of a run of n viewers, each shard's clock
// starting skew later than the previous one's; failing viewers as simRun.
func simShards(t0 time.Time, count, n, secs int, skew time.Duration, failing map[int]bool) []*Result {
	var out []*Result
	for i := range count {
		cfg := Config{URL: "http://127.0.0.1:1/live/master.m3u8", Clients: n, WarmUp: 2 * time.Second,
			Shard: Shard{Index: i, Count: count}, RunID: "run-1"}
		out = append(out, simRun(t0.Add(time.Duration(i)*skew), cfg, shardIDs(cfg.Shard, n), secs, failing))
	}
	return out
}

func TestMergeEqualsOneFleet(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	const n, secs = 10, 8
	failing := map[int]bool{3: true, 7: true}
	shards := simShards(t0, 4, n, secs, 0, failing)
	merged, err := Merge(shards[2], shards[0], shards[3], shards[1]) // any order
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i + 1
	}
	one := simRun(t0, Config{URL: "http://127.0.0.1:1/live/master.m3u8", Clients: n, WarmUp: 2 * time.Second, RunID: "run-1"}, all, secs, failing)

	if !reflect.DeepEqual(merged.Totals, one.Totals) {
		t.Errorf("merged Totals = %+v; one fleet %+v", merged.Totals, one.Totals)
	}
	if merged.Rates != one.Rates {
		t.Errorf("merged Rates = %+v; one fleet %+v", merged.Rates, one.Rates)
	}
	for name, pair := range map[string][2]Distribution{
		"segment": {merged.SegmentLatency, one.SegmentLatency}, "manifest": {merged.ManifestLatency, one.ManifestLatency},
		"startup": {merged.Startup, one.Startup}, "start latency": {merged.StartLatency, one.StartLatency},
	} {
		if pair[0] != pair[1] {
			t.Errorf("merged %s distribution = %+v; one fleet %+v", name, pair[0], pair[1])
		}
	}
	if !reflect.DeepEqual(merged.Histograms, one.Histograms) {
		t.Errorf("merged histograms differ from one fleet's:\n%+v\n%+v", merged.Histograms, one.Histograms)
	}
	if len(merged.History) != len(one.History) {
		t.Fatalf("merged history has %d points; one fleet %d", len(merged.History), len(one.History))
	}
	sameStats(t, merged, one)
	if got, want := len(merged.Viewers), n; got != want {
		t.Fatalf("merged Viewers = %d; want %d", got, want)
	}
	for i, v := range merged.Viewers {
		if v.ID != i+1 || !reflect.DeepEqual(v, one.Viewers[i]) {
			t.Errorf("merged viewer %d = %+v; one fleet %+v", i, v, one.Viewers[i])
		}
	}
	if merged.Clients != one.Clients || merged.Config.Clients != n || merged.Config.Shard != (Shard{}) || len(merged.Shards) != 4 {
		t.Errorf("merged Clients %+v, Config.Clients %d, Shard %v, %d Shards; want %+v, %d, zero, 4",
			merged.Clients, merged.Config.Clients, merged.Config.Shard, len(merged.Shards), one.Clients, n)
	}
	if got, want := merged.Exits["stopped"], n; got != want {
		t.Errorf("merged Exits = %v; want %d stopped", merged.Exits, want)
	}
	// The same thresholds give the same verdicts.
	set, err := threshold.Parse(judgedThresholds...)
	if err != nil {
		t.Fatal(err)
	}
	want, got := set.Evaluate(resultSource{one}), set.Evaluate(resultSource{merged})
	for i := range want {
		if g, w := got[i], want[i]; g.Status != w.Status || g.Observed != w.Observed || g.At != w.At {
			t.Errorf("%s: merged %s; one fleet %s", w.Expr, g, w)
		}
	}
	// And so does the merged report read back.
	var buf bytes.Buffer
	if err := merged.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(&buf)
	if err != nil {
		t.Fatalf("ReadReport(merged): %v", err)
	}
	sameStats(t, back, merged)
}

// TestMergeAlignsOnWallClock merges shards whose clocks started 300 ms
// apart: each merged second sums every shard's latest point at or before
// it, on the earliest shard's clock.
func TestMergeAlignsOnWallClock(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	shards := simShards(t0, 2, 4, 5, 300*time.Millisecond, nil)
	merged, err := Merge(shards...)
	if err != nil {
		t.Fatal(err)
	}
	if !merged.StatsEpoch.Equal(t0) {
		t.Errorf("merged StatsEpoch = %v; want the earliest shard's, %v", merged.StatsEpoch, t0)
	}
	// Shard 0 has points at 1..5 s, shard 1 at 1.3..5.3 s on the merged
	// clock: at 1 s only shard 0 counts (2 viewers, a playlist a second
	// each), from 2 s both, shard 1 a second behind.
	wantManifest := []uint64{2, 4 + 2, 6 + 4, 8 + 6, 10 + 8}
	for i, p := range merged.History {
		if p.Elapsed != time.Duration(i+1)*time.Second || p.Requests.Manifest != wantManifest[i] {
			t.Errorf("merged point %d at %s: %d manifest requests; want at %ds %d", i, p.Elapsed, p.Requests.Manifest, i+1, wantManifest[i])
		}
	}
	if got, want := merged.StatsElapsed, 5*time.Second+200*time.Millisecond+300*time.Millisecond; got != want {
		t.Errorf("merged StatsElapsed = %s; want the latest shard's end, %s", got, want)
	}
	if merged.Totals.Requests.Manifest != 20 {
		t.Errorf("merged manifest requests = %d; want 20", merged.Totals.Requests.Manifest)
	}
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	mk := func() []*Result { return simShards(t0, 3, 6, 2, 0, nil) }
	tests := []struct {
		name   string
		mutate func(rs []*Result) []*Result
		want   string
	}{
		{"nothing", func([]*Result) []*Result { return nil }, "no results; want one per shard"},
		{"run ids", func(rs []*Result) []*Result { rs[1].Config.RunID = "run-2"; return rs }, `run id "run-2" beside "run-1"`},
		{"schemas", func(rs []*Result) []*Result { rs[2].Schema = reportSchemaV1; return rs }, `report schema "hlsswarm.report/v1" beside "hlsswarm.report/v2"`},
		{"v1 only", func(rs []*Result) []*Result {
			for _, r := range rs {
				r.Schema = reportSchemaV1
			}
			return rs
		}, "holds no histograms"},
		{"missing shard", func(rs []*Result) []*Result { return rs[:2] }, `run "run-1" has 3 shards; shard(s) 2 missing`},
		{"shard twice", func(rs []*Result) []*Result { return append(rs, rs[1]) }, "shard 1/3 twice"},
		{"counts", func(rs []*Result) []*Result { rs[1].Config.Shard.Count = 4; return rs }, "different shard counts"},
		{"viewer twice", func(rs []*Result) []*Result { rs[1].Viewers[0].ID = 1; return rs }, "viewer 1 is in shards 0 and 1"},
	}
	for _, tt := range tests {
		_, err := Merge(tt.mutate(mk())...)
		if err == nil || !errors.Is(err, ErrMerge) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Merge error = %v; want ErrMerge with %q", tt.name, err, tt.want)
		}
	}
	merged, err := Merge(mk()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(merged); err == nil || !strings.Contains(err.Error(), "a merged Result") {
		t.Errorf("Merge(merged) = %v; want a merged Result refused", err)
	}
}

// TestMergeOrigin takes the origin counts of the shard whose window
// covers the others' rather than summing them.
func TestMergeOrigin(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	rs := simShards(t0, 2, 2, 2, 0, nil)
	for i, r := range rs {
		r.Origin = &OriginTruth{Requests: map[string]map[int]int64{"segment": {200: int64(10 + i)}}}
	}
	rs[0].End = rs[1].End.Add(time.Second) // shard 0 began first (same start) and ended last
	m, err := Merge(rs...)
	if err != nil {
		t.Fatal(err)
	}
	if m.Origin == nil || m.Origin.Count("segment") != 10 {
		t.Errorf("merged Origin = %+v; want shard 0's (10 segments)", m.Origin)
	}
	rs[1].Start = rs[0].Start.Add(-time.Second) // now no shard covers both
	if m, _ := Merge(rs...); m.Origin != nil {
		t.Errorf("merged Origin = %+v; want nil when no shard's window covers the others'", m.Origin)
	}
}

func ExampleMerge() {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	shards := simShards(t0, 4, 8, 3, 100*time.Millisecond, nil) // in a test: ReadReport of each shard's file
	merged, err := Merge(shards...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(merged.Config.RunID, len(merged.Shards), "shards,", len(merged.Viewers), "viewers,", merged.Totals.Requests.Segment, "segments")
	// Output: run-1 4 shards, 8 viewers, 24 segments
}

// TestMergeReportFilesEqualsMerge merges the shards' report files (two
// passes, one shard in memory at a time) and checks the result is the
// report Merge makes of the same shards read back.
func TestMergeReportFilesEqualsMerge(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	var back []*Result
	for _, r := range simShards(t0, 4, 10, 6, 150*time.Millisecond, map[int]bool{2: true}) {
		path, err := r.writeReport(dir)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := readReportFile(path)
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, rb)
	}
	want, err := Merge(back...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MergeReportFiles(dir)
	if err != nil {
		t.Fatalf("MergeReportFiles: %v", err)
	}
	var g, w bytes.Buffer
	if err := got.WriteJSON(&g); err != nil {
		t.Fatal(err)
	}
	if err := want.WriteJSON(&w); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g.Bytes(), w.Bytes()) {
		t.Errorf("MergeReportFiles:\n%s\nwant (Merge):\n%s", g.Bytes(), w.Bytes())
	}
	sameStats(t, got, want)
}

func TestLayoutStep(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	s := func(gaps ...float64) shardClock {
		c := shardClock{epoch: t0, final: time.Minute}
		e := time.Second
		c.elapsed = append(c.elapsed, e)
		for _, g := range gaps {
			e += time.Duration(g * float64(time.Second))
			c.elapsed = append(c.elapsed, e)
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		clocks []shardClock
		want   time.Duration
	}{
		{"one a second", []shardClock{s(1, 1, 1)}, time.Second},
		{"a late point", []shardClock{s(1, 1.7, 0.95, 1)}, time.Second},
		{"one shard thinned", []shardClock{s(1, 1, 1), s(2, 2, 2)}, 2 * time.Second},
	} {
		if got := layoutOf(tc.clocks).step; got != tc.want {
			t.Errorf("%s: step %s; want %s", tc.name, got, tc.want)
		}
	}
}
