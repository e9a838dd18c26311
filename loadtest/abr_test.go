package loadtest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
)

func TestABRPathLabel(t *testing.T) {
	t.Parallel()
	var a abrPaths
	a.played(1, "http://127.0.0.1:1/v0/index.m3u8")
	a.played(1, "http://127.0.0.1:1/v1/index.m3u8")
	a.played(2, "http://127.0.0.1:1/v1/index.m3u8")
	a.played(3, "http://127.0.0.1:1/v1/index.m3u8")
	a.played(3, "http://127.0.0.1:1/v0/index.m3u8")
	a.played(3, "http://127.0.0.1:1/v1/index.m3u8?x=1")
	got := a.labels()
	for id, want := range map[int]string{
		1: "abr: /v0/index.m3u8 → /v1/index.m3u8",
		2: "abr: /v1/index.m3u8",
		3: "abr: /v1/index.m3u8 → /v1/index.m3u8?x=1",
	} {
		if got[id] != want {
			t.Errorf("viewer %d: label %q; want %q", id, got[id], want)
		}
	}
	if len(got) != 3 {
		t.Errorf("labels %v; want 3", got)
	}
}

// TestNativeABRFleet: a VariantABR fleet against the fixtures' live
// stream: each viewer is given the ladder (no master request of its own),
// starts on v0 (184.8 kbit/s, within hls.js's first 350 kbit/s), climbs
// to v1 on the loopback's throughput, and its Result row says so; its
// counts equal the origin's.
func TestNativeABRFleet(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFormat(fixtures.FMP4))
	res := Run(t, Config{
		URL: origin.URL(), Clients: 2, Ramp: 200 * time.Millisecond, Duration: 3 * time.Second,
		Engine: EngineNative, Variant: VariantABR, ProgressInterval: -1, Origin: origin,
	})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := origin.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	truth := origin.Snapshot()
	vs, err := res.Evaluate("rendition_switches == 2")
	if err != nil || !vs.OK() {
		t.Errorf("rendition_switches == 2: %v, %v; want it to hold (one switch up per viewer)", vs, err)
	}
	if len(res.Viewers) != 2 {
		t.Fatalf("%d viewer rows; want 2", len(res.Viewers))
	}
	for _, v := range res.Viewers {
		if v.RenditionSwitches != 1 {
			t.Errorf("viewer %d: %d rendition switches; want 1", v.ID, v.RenditionSwitches)
		}
		if want := "abr: /v0/index.m3u8 → /v1/index.m3u8"; v.Rendition != want {
			t.Errorf("viewer %d: Rendition %q; want %q", v.ID, v.Rendition, want)
		}
		c := truth.ByClient[strconv.Itoa(v.ID)]
		requestsEqualServed(t, v, c)
		if c.Requests[fixtures.KindMaster] != 0 {
			t.Errorf("viewer %d: %d master requests; an adaptive viewer is given the ladder", v.ID, c.Requests[fixtures.KindMaster])
		}
		if v.Requests.Init != 2 {
			t.Errorf("viewer %d: %d init requests; want 2 (v0's, then v1's)", v.ID, v.Requests.Init)
		}
	}
}
