package e2e

import (
	"path"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// abrClients is the size of TestNativeABR's fleets.
const abrClients = 3

// segmentTrail is one viewer's segment requests as the origin received
// them: the rendition and arrival of each, in order.
type segmentTrail struct {
	rendition []string
	at        []time.Time
	name      []string // the segment's file name: its media sequence number
}

// refetched counts the segments fetched from more than one rendition: a
// download given up by the abandon rule, fetched again from a lower one.
func (tr *segmentTrail) refetched() int {
	seen := map[string]bool{}
	n := 0
	for _, name := range tr.name {
		if seen[name] {
			n++
		}
		seen[name] = true
	}
	return n
}

// changes counts the switches of rendition between consecutive segments.
func (tr *segmentTrail) changes() int {
	n := 0
	for i := 1; i < len(tr.rendition); i++ {
		if tr.rendition[i] != tr.rendition[i-1] {
			n++
		}
	}
	return n
}

// checkSwitches fails the test unless viewer v's rendition_switches
// account for the changes of rendition in its segment trail: one each,
// and at most one more (a switch whose first segment the stop cut off).
func checkSwitches(t *testing.T, v loadtest.ViewerResult, tr *segmentTrail) {
	t.Helper()
	if n := uint64(tr.changes()); v.RenditionSwitches < n || v.RenditionSwitches > n+1 {
		t.Errorf("viewer %d: %d rendition switches; the origin saw its segments change rendition %d times (%v)", v.ID, v.RenditionSwitches, n, tr.rendition)
	}
}

// segmentTrails reads the origin's log into each client's segmentTrail.
func segmentTrails(origin *fixtures.Origin) map[string]*segmentTrail {
	out := map[string]*segmentTrail{}
	for _, r := range origin.Requests() {
		if r.Client == "" || r.Kind != fixtures.KindSegment {
			continue
		}
		tr := out[r.Client]
		if tr == nil {
			tr = &segmentTrail{}
			out[r.Client] = tr
		}
		tr.rendition = append(tr.rendition, r.Rendition)
		tr.at = append(tr.at, r.Start)
		tr.name = append(tr.name, path.Base(r.Path))
	}
	return out
}

// TestNativeABR: adaptive native fleets (Variant "abr") against the
// fixtures' live fMP4 stream, two variants (BANDWIDTH 184800 and 382800).
// Healthy, every viewer starts on v0 (within hls.js's first estimate) and
// climbs to v1 on the loopback's throughput. Then a bandwidth cap of
// 36 kB/s (288 kbit/s: v0 fits, v1 does not) on every segment, set while
// the origin runs: every viewer switches down, and the origin's log shows
// its segment requests move to v0 and stay there. In both, per viewer and
// kind, the counts equal the origin's ground truth.
func TestNativeABR(t *testing.T) {
	t.Parallel()
	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFormat(fixtures.FMP4))
		res := loadtest.Run(t, loadtest.Config{
			URL: origin.URL(), Clients: abrClients, Ramp: 500 * time.Millisecond, Duration: 6 * time.Second,
			Engine: loadtest.EngineNative, Variant: loadtest.VariantABR, Timeout: 2 * time.Second, ProgressInterval: -1, Origin: origin,
		})
		truth := idleTruth(t, origin)
		truthDiff(t, truth, res, 0)
		totalsEqualViewers(t, truth, res)
		trails := segmentTrails(origin)
		for _, v := range res.Viewers {
			tr := trails[strconv.Itoa(v.ID)]
			if tr == nil || len(tr.rendition) < 4 {
				t.Errorf("viewer %d: segments %v; want a few", v.ID, tr)
				continue
			}
			last := tr.rendition[len(tr.rendition)-3:]
			if tr.rendition[0] != "v0" || last[0] != "v1" || last[1] != "v1" || last[2] != "v1" {
				t.Errorf("viewer %d: segments by rendition %v; want v0 first, v1 at the end", v.ID, tr.rendition)
			}
			checkSwitches(t, v, tr)
			if v.RenditionSwitches != 1 {
				t.Errorf("viewer %d: %d rendition switches; want 1 (up)", v.ID, v.RenditionSwitches)
			}
			if v.Stalls != 0 {
				t.Errorf("viewer %d: %d stalls; want none on the loopback", v.ID, v.Stalls)
			}
			if want := "abr: /v0/index.m3u8 → /v1/index.m3u8"; v.Rendition != want {
				t.Errorf("viewer %d: Rendition %q; want %q", v.ID, v.Rendition, want)
			}
			if v.Requests.Init != 2 {
				t.Errorf("viewer %d: %d init requests; want 2 (v0's, then v1's at the switch)", v.ID, v.Requests.Init)
			}
			t.Logf("viewer %d: segments by rendition %v", v.ID, tr.rendition)
		}
	})
	t.Run("bandwidth_cap", func(t *testing.T) {
		t.Parallel()
		const capAfter = 5 * time.Second
		origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFormat(fixtures.FMP4))
		var capped atomic.Int64 // unix nanoseconds of the cap; 0 before it
		timer := time.AfterFunc(capAfter, func() {
			if err := origin.SetFaults(fixtures.Fault{Type: fixtures.FaultBandwidth, BytesPerSecond: 36_000, Kinds: []fixtures.Kind{fixtures.KindSegment}}); err != nil {
				t.Errorf("SetFaults: %v", err)
				return
			}
			capped.Store(time.Now().UnixNano())
		})
		defer timer.Stop()
		res := loadtest.Run(t, loadtest.Config{
			URL: origin.URL(), Clients: abrClients, Ramp: 500 * time.Millisecond, Duration: 18 * time.Second,
			Engine: loadtest.EngineNative, Variant: loadtest.VariantABR, Timeout: 3 * time.Second, ProgressInterval: -1, Origin: origin,
		})
		truth := idleTruth(t, origin)
		truthDiff(t, truth, res, 0)
		totalsEqualViewers(t, truth, res)
		if capped.Load() == 0 {
			t.Fatal("the bandwidth cap was never set")
		}
		if len(truth.Faults) == 0 {
			t.Fatal("the bandwidth cap never applied")
		}
		t.Logf("max drift %s (the playback time stalls lost), %d viewers stalled at the end", res.QoE.DriftMax, res.QoE.StalledViewers)
		at := time.Unix(0, capped.Load())
		trails := segmentTrails(origin)
		for _, v := range res.Viewers {
			tr := trails[strconv.Itoa(v.ID)]
			if tr == nil {
				t.Errorf("viewer %d: no segment", v.ID)
				continue
			}
			// The rendition of the last segment asked for before the cap,
			// and the first v0 segment asked for after it.
			before, down := "", -1
			for i, r := range tr.rendition {
				if tr.at[i].Before(at) {
					before = r
				} else if r == "v0" && down < 0 {
					down = i
				}
			}
			if before != "v1" {
				t.Errorf("viewer %d: on %q when the cap came (segments %v); want v1", v.ID, before, tr.rendition)
			}
			if down < 0 {
				t.Errorf("viewer %d: segments %v; never switched down under the cap", v.ID, tr.rendition)
				continue
			}
			for i := down; i < len(tr.rendition); i++ {
				if tr.rendition[i] != "v0" {
					t.Errorf("viewer %d: segments %v; want v0 from the switch down on (capped at 288 kbit/s, v1 does not fit)", v.ID, tr.rendition)
					break
				}
			}
			after := 0
			for i := range down {
				if !tr.at[i].Before(at) {
					after++
				}
			}
			checkSwitches(t, v, tr)
			t.Logf("viewer %d: switched down %s after the cap, after %d v1 segments under it (%d given up and fetched again from v0); %d v0 segments then; %d switches, %d stalls (%s); segments by rendition %v",
				v.ID, tr.at[down].Sub(at).Round(10*time.Millisecond), after, tr.refetched(), len(tr.rendition)-down, v.RenditionSwitches, v.Stalls, v.StallTime.Round(time.Millisecond), tr.rendition)
			if v.Rendition != "abr: /v0/index.m3u8" {
				t.Errorf("viewer %d: Rendition %q; want it to end on v0, where it started", v.ID, v.Rendition)
			}
		}
	})
}
