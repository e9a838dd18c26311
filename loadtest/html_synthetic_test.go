package loadtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// syntheticRun describes a deterministic Result for the HTML tests: every
// viewer requests a playlist and a segment every 2 s; segment latency is
// log-normal around 20 ms; from burstFrom to burstTo a third of the
// segments get 503; viewer 1 stalls for the last tenth of the run.
type syntheticRun struct {
	viewers            int
	seconds            int
	burstFrom, burstTo int
}

// result builds the Result through buildResult, the path a fleet takes,
// from a stats history made second by second.
func (sr syntheticRun) result() *Result {
	rng := rand.New(rand.NewPCG(1, 2))
	var seg, man, startup stats.Histogram
	var snap stats.Snapshot
	points := make([]stats.Point, 0, sr.seconds)
	rows := make([]stats.ViewerRow, sr.viewers)
	for i := range rows {
		rows[i] = stats.ViewerRow{ID: i, Active: true, HasProgress: true, HasSpeed: true, Speed: 1, HasStartup: true,
			Startup: time.Duration(300+rng.IntN(400)) * time.Millisecond}
		startup.Record(rows[i].Startup)
	}
	stallFrom := sr.seconds * 9 / 10
	for sec := 1; sec <= sr.seconds; sec++ {
		for v := range rows {
			if (v+sec)%2 != 0 {
				continue
			}
			row := &rows[v]
			if v == 1 && sec > stallFrom {
				row.Stalled, row.StalledFor = true, time.Duration(sec-stallFrom)*time.Second
				continue
			}
			snap.Counters.Requests[stats.KindManifest]++
			row.Counters.Requests[stats.KindManifest]++
			man.Record(time.Duration(2+rng.ExpFloat64()*3) * time.Millisecond)
			snap.Counters.Requests[stats.KindSegment]++
			row.Counters.Requests[stats.KindSegment]++
			row.Bytes += 250_000
			snap.Bytes += 250_000
			if sec > sr.burstFrom && sec <= sr.burstTo && rng.IntN(3) == 0 {
				snap.HTTPErrors++
				snap.HTTPErrorsByKind[stats.KindSegment]++
				row.HTTPErrors++
				snap.Status = addStatusCode(snap.Status, 503)
				row.Status = addStatusCode(row.Status, 503)
				continue
			}
			seg.Record(time.Duration(float64(20*time.Millisecond) * (0.5 + rng.ExpFloat64())))
		}
		snap.Counters.ProgressLines += uint64(12 * sr.viewers)
		snap.Elapsed = time.Duration(sec) * time.Second
		snap.Time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(snap.Elapsed)
		snap.Clients = stats.Clients{Total: sr.viewers, Active: sr.viewers}
		if sec > stallFrom {
			snap.Clients.Stalled = 1
		}
		snap.SpeedViewers, snap.SpeedMin, snap.SpeedMean = sr.viewers, 0.98, 1.0
		if sec > stallFrom {
			snap.SpeedMin = 0
		}
		snap.DriftMax = time.Duration(sec%7) * 100 * time.Millisecond
		seg.Snapshot(&snap.SegmentLatency)
		man.Snapshot(&snap.ManifestLatency)
		points = append(points, stats.PointOf(&snap))
	}
	startup.Snapshot(&snap.Startup)
	final := snap.Clone()
	final.Viewers = rows
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ramp := time.Duration(sr.seconds/10) * time.Second
	cfg := Config{
		URL: "http://127.0.0.1:8080/live/master.m3u8", Clients: sr.viewers, Ramp: ramp,
		Duration: time.Duration(sr.seconds)*time.Second - ramp, WarmUp: ramp, Variant: VariantRoundRobin,
		KeepAlive: KeepAliveOn, Timeout: 10 * time.Second, RestartPolicy: RestartOnFailure,
		Thresholds: []string{"http_errors{code=503} == 0", "p95(segment_latency) < 250ms over 10s", "min(speed) >= 0.5"},
	}
	return buildResult(resultInput{
		test: "TestSynthetic/report", cfg: cfg, start: start, end: start.Add(time.Duration(sr.seconds) * time.Second),
		ffmpeg: FFmpegInfo{Path: "/usr/bin/ffmpeg", Version: "5.1.6"}, target: sr.viewers,
		snap: &final, points: points, exits: map[string]int{"stopped": sr.viewers},
		origin: &OriginTruth{Requests: map[string]map[int]int64{
			"manifest": {200: int64(final.Counters.Requests[stats.KindManifest])},
			"segment":  {200: int64(final.Counters.Requests[stats.KindSegment] - final.HTTPErrors), 503: int64(final.HTTPErrors)},
		}},
		// Round robin over a three-rendition ladder, as a fleet plays it.
		rendition: func(id int) string { return fmt.Sprintf("/v%d/index.m3u8", id%3) },
	})
}

func addStatusCode(s []stats.StatusCount, code int) []stats.StatusCount {
	i, found := slices.BinarySearchFunc(s, code, func(c stats.StatusCount, code int) int { return c.Code - code })
	if found {
		s[i].Count++
		return s
	}
	return slices.Insert(s, i, stats.StatusCount{Code: code, Count: 1})
}
