package player

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
)

// feed samples a steady rate of bps for d of download time, in 1 s
// downloads.
func feed(e *estimator, bps float64, d time.Duration) {
	for ; d > 0; d -= time.Second {
		e.sample(int64(bps/8), time.Second)
	}
}

func near(got, want float64) bool { return math.Abs(got-want) <= 0.01*want }

func TestEstimator(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		feed func(e *estimator)
		want float64
	}{
		{"no sample: the default", func(*estimator) {}, abrDefaultEstimate},
		{"tiny samples are not taken", func(e *estimator) { e.sample(abrMinSampleBytes-1, time.Millisecond) }, abrDefaultEstimate},
		// The zero-start correction makes one sample the estimate.
		{"one sample", func(e *estimator) { e.sample(100_000, time.Second) }, 800_000},
		{"a steady rate", func(e *estimator) { feed(e, 2e6, 20*time.Second) }, 2e6},
		{"a body in no time counts abrMinSampleTime", func(e *estimator) { e.sample(50_000, time.Millisecond) }, 8 * 50_000 / abrMinSampleTime.Seconds()},
		// Down fast: after one fast half-life (3 s) of 200 kbit/s, the
		// fast average is halfway down, and the estimate (the lower) is it.
		{"falls with the fast average", func(e *estimator) {
			feed(e, 8e6, 60*time.Second)
			feed(e, 200e3, 3*time.Second)
		}, (8e6 + 200e3) / 2},
		// Up slowly: after 9 s (one slow half-life) of 8 Mbit/s, the slow
		// average is halfway up, and the estimate is it.
		{"rises with the slow average", func(e *estimator) {
			feed(e, 200e3, 120*time.Second)
			feed(e, 8e6, 9*time.Second)
		}, (8e6 + 200e3) / 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEstimator()
			tt.feed(&e)
			if got := e.estimate(); !near(got, tt.want) {
				t.Errorf("estimate = %.0f; want %.0f", got, tt.want)
			}
		})
	}
}

// ladder is the fixtures' two variants, listed high first to check that
// the rule orders them.
var ladder = []Variant{{URL: "v1", Bandwidth: 382_800}, {URL: "v0", Bandwidth: 184_800}}

func TestABRStart(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		variants []Variant
		want     string
	}{
		// abrUpFactor × abrDefaultEstimate = 350 kbit/s.
		{"the highest within 350 kbit/s", []Variant{{URL: "a", Bandwidth: 900_000}, {URL: "b", Bandwidth: 300_000}, {URL: "c", Bandwidth: 100_000}}, "b"},
		{"the fixtures start low", ladder, "v0"},
		{"none within: the lowest", []Variant{{URL: "a", Bandwidth: 2e6}, {URL: "b", Bandwidth: 1e6}}, "b"},
		{"one variant", []Variant{{URL: "a", Bandwidth: 2e6}}, "a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := newABR(tt.variants).current().URL; got != tt.want {
				t.Errorf("starts on %s; want %s", got, tt.want)
			}
		})
	}
}

func TestABRNext(t *testing.T) {
	t.Parallel()
	three := []Variant{{URL: "lo", Bandwidth: 200_000}, {URL: "mid", Bandwidth: 800_000}, {URL: "hi", Bandwidth: 3_000_000}}
	for _, tt := range []struct {
		name     string
		variants []Variant
		on       string        // the current variant
		bps      float64       // the steady rate measured; 0 for none
		ahead    time.Duration // buffered; -1: playback has not begun
		want     string
	}{
		{"no sample yet: stay", ladder, "v0", 0, -1, "v0"},
		{"loopback: up", ladder, "v0", 8e6, 2 * time.Second, "v1"},
		{"up needs estimate × 0.7 over the next BANDWIDTH", ladder, "v0", 540e3, 2 * time.Second, "v0"},
		{"just over: up", ladder, "v0", 550e3, 2 * time.Second, "v1"},
		{"hysteresis: 450 kbit/s keeps the high one", ladder, "v1", 450e3, 2 * time.Second, "v1"},
		{"capped at 288 kbit/s: down", ladder, "v1", 288e3, 2 * time.Second, "v0"},
		{"capped at 288 kbit/s: stay low", ladder, "v0", 288e3, 2 * time.Second, "v0"},
		{"below every variant: the lowest", ladder, "v1", 150e3, 2 * time.Second, "v0"},
		{"up several steps at once", three, "lo", 8e6, 2 * time.Second, "hi"},
		{"down to the one estimate × 0.95 covers", three, "hi", 1e6, 2 * time.Second, "mid"},
		{"stalled: the lowest at once", ladder, "v1", 8e6, 0, "v0"},
		{"near empty: the highest that arrives in time", three, "hi", 3.5e6, 500 * time.Millisecond, "mid"},
		{"near empty, before playback began: no rule", three, "hi", 3.5e6, -1, "hi"},
		{"enough buffer: stay", three, "hi", 3.5e6, 2 * time.Second, "hi"},
		{"near empty caps an up switch", three, "lo", 8e6, 200 * time.Millisecond, "mid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newABR(tt.variants)
			for i, v := range a.variants {
				if v.URL == tt.on {
					a.cur = i
				}
			}
			if tt.bps > 0 {
				feed(&a.est, tt.bps, 30*time.Second)
			}
			got := a.variants[a.next(time.Second, max(tt.ahead, 0), tt.ahead >= 0)].URL
			if got != tt.want {
				t.Errorf("on %s at %.0f bit/s, %s buffered: next %s; want %s", tt.on, tt.bps, tt.ahead, got, tt.want)
			}
			a.cur = a.next(time.Second, max(tt.ahead, 0), tt.ahead >= 0)
			if again := a.variants[a.next(time.Second, max(tt.ahead, 0), tt.ahead >= 0)].URL; again != got {
				t.Errorf("after switching to %s, next is %s: the rule is not stable", got, again)
			}
		})
	}
}

func TestABRAbandon(t *testing.T) {
	t.Parallel()
	three := []Variant{{URL: "lo", Bandwidth: 200_000}, {URL: "mid", Bandwidth: 800_000}, {URL: "hi", Bandwidth: 3_000_000}}
	ms := time.Millisecond
	for _, tt := range []struct {
		name       string
		variants   []Variant
		on         string
		read, size int64
		elapsed    time.Duration
		ahead      time.Duration
		want       string // "" for going on
	}{
		// 10 kB in 300 ms: 266.7 kbit/s; the rest of 46 kB takes 1.08 s.
		{"on the lowest: nothing to give up for", ladder, "v0", 10_000, 46_000, 300 * ms, 100 * ms, ""},
		{"too early to tell", ladder, "v1", 10_000, 46_000, 150 * ms, 100 * ms, ""},
		{"the rest arrives in time", ladder, "v1", 10_000, 46_000, 300 * ms, 2 * time.Second, ""},
		{"a lower one arrives in time", ladder, "v1", 10_000, 46_000, 300 * ms, 800 * ms, "v0"},
		{"none in time, the lowest sooner than the rest", ladder, "v1", 10_000, 46_000, 300 * ms, 500 * ms, "v0"},
		{"none in time, the rest sooner than the lowest", ladder, "v1", 40_000, 46_000, 1200 * ms, 100 * ms, ""},
		{"unknown size: BANDWIDTH × duration", ladder, "v1", 10_000, -1, 300 * ms, 800 * ms, "v0"},
		// 50 kB in 400 ms: 1 Mbit/s; mid's segment takes 0.8 s.
		{"the highest lower one in time", three, "hi", 50_000, 375_000, 400 * ms, time.Second, "mid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newABR(tt.variants)
			for i, v := range a.variants {
				if v.URL == tt.on {
					a.cur = i
				}
			}
			to, ok := a.abandon(time.Second, tt.read, tt.size, tt.elapsed, tt.ahead)
			got := ""
			if ok {
				got = a.variants[to].URL
			}
			if got != tt.want {
				t.Errorf("abandon for %q; want %q", got, tt.want)
			}
		})
	}
}

func TestEstimatorRestart(t *testing.T) {
	t.Parallel()
	e := newEstimator()
	feed(&e, 8e6, 30*time.Second)
	e.restart(10_000, 300*time.Millisecond) // under abrMinSampleBytes, taken all the same
	if got, want := e.estimate(), 8*10_000/0.3; !near(got, want) {
		t.Errorf("estimate after restart = %.0f; want %.0f", got, want)
	}
	e.restart(0, time.Second)
	if got, want := e.estimate(), 8*10_000/0.3; !near(got, want) {
		t.Errorf("estimate after a restart from nothing = %.0f; want it unchanged (%.0f)", got, want)
	}
}

// fixtureLadder returns origin's variants as an adaptive viewer is given
// them.
func fixtureLadder(origin *fixtures.Origin) []Variant {
	var vs []Variant
	for i, r := range origin.Content().Renditions() {
		vs = append(vs, Variant{URL: origin.MediaURLs()[i], Bandwidth: int64(r.Bandwidth)})
	}
	return vs
}

// segmentsByRendition returns, in the order the origin received them, the
// rendition of each segment request of client, and fails the test when a
// rendition's segment was fetched twice (a switch re-fetched what was
// buffered; a segment given up by the abandon rule is fetched again from
// another rendition).
func segmentsByRendition(t *testing.T, origin *fixtures.Origin, client string) []string {
	t.Helper()
	var order []string
	seen := map[string]bool{}
	for _, r := range origin.Requests() {
		if r.Client != client || r.Kind != fixtures.KindSegment {
			continue
		}
		order = append(order, r.Rendition)
		name := r.Rendition + "/" + r.Path[strings.LastIndexByte(r.Path, '/')+1:]
		if seen[name] {
			t.Errorf("%s fetched twice (%s)", name, r.Path)
		}
		seen[name] = true
	}
	return order
}

// TestPlayAdaptive: an adaptive viewer of the fixtures' live stream starts
// on v0, switches up on the loopback's throughput, and its counts still
// equal the origin's; under a bandwidth cap between v0's and v1's
// BANDWIDTH it switches back down. A switch fetches the new variant's
// init section and goes on from the next segment.
func TestPlayAdaptive(t *testing.T) {
	t.Parallel()
	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFormat(fixtures.FMP4))
		var played []string
		p := playFor(t, origin, ClientOptions{}, Viewer{ID: 3, Variants: fixtureLadder(origin),
			OnRendition: func(u string) { played = append(played, u) }}, 4*time.Second)
		equalTruth(t, p)
		order := segmentsByRendition(t, origin, "3")
		if len(order) < 4 || order[0] != "v0" || order[len(order)-1] != "v1" {
			t.Fatalf("segments by rendition %v; want v0 first, v1 last", order)
		}
		if p.rep.Switches != 1 || p.row.RenditionSwitches != 1 {
			t.Errorf("switches = %d, rendition_switches = %d; want 1 (v0 to v1)", p.rep.Switches, p.row.RenditionSwitches)
		}
		if len(played) != 2 || !strings.HasSuffix(played[0], "/v0/index.m3u8") || !strings.HasSuffix(played[1], "/v1/index.m3u8") {
			t.Errorf("OnRendition saw %v; want v0's playlist, then v1's", played)
		}
		if got := p.truth.Requests[fixtures.KindInit]; got != 2 {
			t.Errorf("init requests = %d; want 2 (one per variant played)", got)
		}
	})
	t.Run("vod_download", func(t *testing.T) {
		t.Parallel()
		origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(fixtures.TS))
		p := playFor(t, origin, ClientOptions{}, Viewer{ID: 5, Variants: fixtureLadder(origin), Download: true}, 10*time.Second)
		equalTruth(t, p)
		order := segmentsByRendition(t, origin, "5")
		if n := origin.Content().Renditions()[0].Segments; len(order) != n || order[0] != "v0" || order[n-1] != "v1" {
			t.Errorf("segments by rendition %v; want each of the %d once, v0 first, v1 last", order, n)
		}
		if p.rep.Switches != 1 || p.rep.Plays != 1 {
			t.Errorf("switches = %d, plays = %d; want 1 and 1", p.rep.Switches, p.rep.Plays)
		}
	})
	t.Run("v1_capped", func(t *testing.T) {
		t.Parallel()
		// 36 kB/s = 288 kbit/s on v1's segments only: the viewer climbs to
		// v1 on v0's loopback throughput, measures v1's, and goes back.
		origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFormat(fixtures.FMP4), fixtures.WithFaults(
			fixtures.Fault{Type: fixtures.FaultBandwidth, BytesPerSecond: 36_000, Kinds: []fixtures.Kind{fixtures.KindSegment}, Rendition: "v1"},
		))
		p := playFor(t, origin, ClientOptions{}, Viewer{ID: 4, Variants: fixtureLadder(origin)}, 9*time.Second)
		equalTruth(t, p)
		order := segmentsByRendition(t, origin, "4")
		t.Logf("segments by rendition %v, %d switches", order, p.rep.Switches)
		up := slices.Index(order, "v1")
		if up < 0 || !slices.Contains(order[up:], "v0") {
			t.Fatalf("segments by rendition %v; want v0, then v1, then v0 again", order)
		}
		if p.rep.Switches < 2 || uint64(p.rep.Switches) != p.row.RenditionSwitches {
			t.Errorf("switches = %d, rendition_switches = %d; want at least 2 (up, down), the same in both", p.rep.Switches, p.row.RenditionSwitches)
		}
	})
}
