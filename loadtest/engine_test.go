package loadtest

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/verdict"
)

func TestConfigEngine(t *testing.T) {
	t.Parallel()
	err := Config{URL: "http://127.0.0.1:1/x.m3u8", Engine: "vlc"}.Validate()
	if err == nil || !strings.Contains(err.Error(), `Config.Engine = "vlc"; want one of "ffmpeg", "native"`) {
		t.Errorf("Validate(Engine: vlc) = %v; want an error naming Config.Engine and the accepted values", err)
	}
	for _, e := range []Engine{"", EngineFFmpeg, EngineNative} {
		if err := (Config{URL: "http://127.0.0.1:1/x.m3u8", Engine: e}).Validate(); err != nil {
			t.Errorf("Validate(Engine: %q) = %v; want nil", e, err)
		}
	}
	if got := (Config{}).withDefaults().Engine; got != EngineFFmpeg {
		t.Errorf("default Engine = %q; want %q", got, EngineFFmpeg)
	}
}

// TestNativeFleet: a native fleet against a live fixture, with an ffmpeg
// path that does not exist (the native engine neither locates nor probes
// ffmpeg): every viewer plays its rendition (round robin), its counts
// equal the origin's for its client id, kind by kind, and the Result's
// viewer accounting is the ffmpeg engine's.
func TestNativeFleet(t *testing.T) {
	t.Parallel()
	for _, f := range []fixtures.Format{fixtures.TS, fixtures.FMP4} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFormat(f))
			res := Run(t, Config{
				URL: origin.URL(), Clients: 4, Ramp: 200 * time.Millisecond, Duration: 3 * time.Second,
				Engine: EngineNative, FFmpeg: "/nonexistent/ffmpeg", ProgressInterval: -1, Origin: origin,
			})
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if err := origin.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			truth := origin.Snapshot()
			if res.Clients.Total != 4 || res.Clients.NeverStarted != 0 || res.Exits["stopped"] != 4 {
				t.Errorf("clients %+v, exits %v; want 4 started and stopped", res.Clients, res.Exits)
			}
			if res.FFmpeg.Path != "" {
				t.Errorf("Result.FFmpeg = %+v; want none for the native engine", res.FFmpeg)
			}
			for _, v := range res.Viewers {
				c := truth.ByClient[strconv.Itoa(v.ID)]
				requestsEqualServed(t, v, c)
				if v.Requests.Segment == 0 || v.OutTime <= 0 {
					t.Errorf("viewer %d: %d segments, out time %s; want playback", v.ID, v.Requests.Segment, v.OutTime)
				}
				if want := uint64(0); f == fixtures.FMP4 && v.Requests.Init != 1 || f == fixtures.TS && v.Requests.Init != want {
					t.Errorf("viewer %d: %d init requests; want one per rendition for fMP4, none for TS", v.ID, v.Requests.Init)
				}
				if c.Requests[fixtures.KindMaster] != 0 {
					t.Errorf("viewer %d: %d master requests; a round-robin viewer is given its media playlist", v.ID, c.Requests[fixtures.KindMaster])
				}
			}
			// Time to first byte: one per complete segment and init
			// response, as the segment latencies, and gateable; a report
			// read back judges it alike.
			if got, want := res.SegmentTTFB.Count, res.SegmentLatency.Count; got == 0 || got != want {
				t.Errorf("segment_ttfb count %d; want one per measured segment latency (%d)", got, want)
			}
			if res.SegmentTTFB.P95 > res.SegmentLatency.Max {
				t.Errorf("segment_ttfb p95 %v over the largest segment latency %v", res.SegmentTTFB.P95, res.SegmentLatency.Max)
			}
			if !strings.Contains(res.Summary(), " segment_ttfb ") {
				t.Errorf("the summary has no segment_ttfb row:\n%s", res.Summary())
			}
			var js bytes.Buffer
			if err := res.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			back, err := ReadReport(&js)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*Result{res, back} {
				vs, err := r.Evaluate("p95(segment_ttfb) < 5s", "count(segment_ttfb) > 0")
				if err != nil || !vs.OK() || vs[0].Observed != float64(res.SegmentTTFB.P95) {
					t.Errorf("segment_ttfb thresholds: %v, %v; want them to pass with the Result's p95 %v", vs, err, res.SegmentTTFB.P95)
				}
			}
			// The buffer model's playback: measured, gateable, in the
			// summary and read back alike.
			if pt, bt := res.Totals, back.Totals; !pt.PlaybackMeasured() || pt.PlaybackTime != bt.PlaybackTime ||
				pt.Stalls != bt.Stalls || pt.StallTime != bt.StallTime || pt.RenditionSwitches != bt.RenditionSwitches {
				t.Errorf("playback totals %+v, read back %+v; want measured and equal", res.Totals, back.Totals)
			}
			if !strings.Contains(res.Summary(), "\nplayback   ") {
				t.Errorf("the summary has no playback line:\n%s", res.Summary())
			}
			var page bytes.Buffer
			if err := res.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "stalls (buffer model)") {
				t.Errorf("WriteHTML: %v; want the buffer model's stalls in the summary table", err)
			}
			for _, r := range []*Result{res, back} {
				vs, err := r.Evaluate("stalls < 1000", "rebuffer_ratio <= 100%", "playback_time > 1s", "rendition_switches == 0")
				if err != nil || !vs.OK() {
					t.Errorf("playback thresholds: %v, %v; want them to pass with data", vs, err)
				}
			}
		})
	}
}

// TestFFmpegHasNoTTFB: an ffmpeg run measures no time to first byte, and
// a threshold on it has no data, saying which engine measures it, rather
// than passing.
func TestFFmpegHasNoTTFB(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	res := Run(t, Config{URL: origin.URL(), Clients: 1, Duration: 3 * time.Second, ProgressInterval: -1})
	vs, _ := res.Evaluate("p95(segment_ttfb) < 1s")
	if vs[0].Status != verdict.NoData || !strings.Contains(vs[0].Note, "native engine") {
		t.Errorf("segment_ttfb on an ffmpeg run: %s; want no data naming the native engine", vs[0])
	}
	if res.SegmentTTFB.Count != 0 || res.Histograms.SegmentTTFB != nil || strings.Contains(res.Summary(), "segment_ttfb") {
		t.Errorf("an ffmpeg run reports a time to first byte: %+v", res.SegmentTTFB)
	}
	// Nor stalls from a buffer model it does not have.
	vs, _ = res.Evaluate("stalls == 0", "rebuffer_ratio < 1%")
	for _, v := range vs {
		if v.Status != verdict.NoData {
			t.Errorf("%s on an ffmpeg run: want no data", v)
		}
	}
	if !strings.Contains(vs[0].Note, "native engine") {
		t.Errorf("stalls on an ffmpeg run: note %q; want it to name the native engine", vs[0].Note)
	}
	if res.Totals.PlaybackMeasured() || strings.Contains(res.Summary(), "\nplayback ") {
		t.Errorf("an ffmpeg run reports playback of a buffer model: %+v", res.Totals)
	}
}

// requestsEqualServed fails the test unless viewer v's requests equal,
// kind by kind, what the origin served its client (c).
func requestsEqualServed(t *testing.T, v ViewerResult, c fixtures.Counts) {
	t.Helper()
	served := map[string]int64{}
	for k, n := range c.Requests {
		served[kindName(k)] += n
	}
	for _, k := range []string{"manifest", "segment", "init", "unknown"} {
		if got, want := int64(v.Requests.Get(k)), served[k]; got != want {
			t.Errorf("viewer %d: %s requests = %d; origin served %d", v.ID, k, got, want)
		}
	}
}

func kindName(k fixtures.Kind) string {
	switch k {
	case fixtures.KindMaster, fixtures.KindMedia:
		return "manifest"
	case fixtures.KindSegment:
		return "segment"
	case fixtures.KindInit:
		return "init"
	}
	return "unknown"
}

// TestNativeNoPlayback: a native fleet whose every segment is answered
// 404 received nothing, and the run fails saying so, as an ffmpeg fleet's
// does.
func TestNativeNoPlayback(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(
		fixtures.Fault{Type: fixtures.FaultStatus, Status: 404, Kinds: []fixtures.Kind{fixtures.KindSegment}},
	))
	rec := &testkit.Recorder{TB: t, RealFatal: true}
	res := Run(rec, Config{
		URL: origin.URL(), Clients: 2, Ramp: 100 * time.Millisecond, Duration: 3 * time.Second,
		Engine: EngineNative, ProgressInterval: -1,
	})
	errs := strings.Join(rec.Errors(), "\n")
	if !strings.Contains(errs, "Config.AllowNoPlayback") {
		t.Errorf("errors %q; want the run failed for receiving no segment", errs)
	}
	if res.Totals.HTTPErrors == 0 {
		t.Errorf("no HTTP error counted; want the 404s")
	}
}

// TestNativeShards: a native run spread over two shards (two fleets of
// one process here) plays with global viewer ids and the run's headers,
// and the shards' Results merge into the whole run's.
func TestNativeShards(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	var runs, anonymous atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hlsswarm-Run") == "r15" && strings.Contains(r.UserAgent(), " run-r15 shard-"+r.Header.Get("X-Hlsswarm-Shard")+" client-") {
			runs.Add(1)
		} else if r.Header.Get("X-Hlsswarm-Client") != "" {
			anonymous.Add(1)
		}
		origin.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	start := time.Now().Add(time.Second)
	fleets := make([]*Fleet, 2)
	for i := range fleets {
		fleets[i] = Start(t, Config{
			URL: front.URL + "/master.m3u8", Clients: 4, Ramp: 200 * time.Millisecond, Duration: 3 * time.Second,
			Engine: EngineNative, Shard: Shard{Index: i, Count: 2}, RunID: "r15", StartAt: start, ProgressInterval: -1,
		})
	}
	results := []*Result{fleets[0].Wait(), fleets[1].Wait()}
	ids := map[int]int{}
	for i, r := range results {
		for _, v := range r.Viewers {
			ids[v.ID] = i
		}
	}
	if want := map[int]int{1: 0, 2: 1, 3: 0, 4: 1}; !maps.Equal(ids, want) {
		t.Errorf("viewer ids by shard %v; want %v (global ids, dealt in turn)", ids, want)
	}
	if runs.Load() == 0 || anonymous.Load() != 0 {
		t.Errorf("%d viewer requests carried the run's headers, %d did not; want all", runs.Load(), anonymous.Load())
	}
	merged, err := Merge(results...)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if got, want := merged.Totals.Requests.Segment, results[0].Totals.Requests.Segment+results[1].Totals.Requests.Segment; got != want || got == 0 {
		t.Errorf("merged segment requests %d; want the shards' sum %d", got, want)
	}
}
