package loadtest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// TestVariantAndIdentity checks that Config.Variant picks one rendition
// and that the origin attributes every viewer request to its client id.
func TestVariantAndIdentity(t *testing.T) {
	origin := fixtures.NewOrigin(t, fixtures.Live{})
	r := Run(t, Config{URL: origin.URL(), Clients: 2, Duration: 3 * time.Second, Variant: VariantLowest, Origin: origin, ProgressInterval: -1})
	truth := origin.Snapshot()
	lowest, other := truth.ByRendition["v0"], truth.ByRendition["v1"]
	if lowest.Requests[fixtures.KindSegment] == 0 || other.Total() != 0 {
		t.Errorf("requests by rendition: v0 %v, v1 %v; want segments of v0 (the lowest) only", lowest.Requests, other.Requests)
	}
	for _, id := range []string{"1", "2"} {
		if truth.ByClient[id].Total() == 0 {
			t.Errorf("origin saw no request from client %q; clients seen: %v", id, truth.ByClient)
		}
	}
	var fromViewers int64
	for id, c := range truth.ByClient {
		if id != "" {
			fromViewers += c.Total()
		}
	}
	if got := int64(r.Totals.Requests.Total()); got-fromViewers > 4 || fromViewers-got > 4 {
		t.Errorf("viewers counted %d requests, origin attributed %d to them; want equal within the 4 in flight", got, fromViewers)
	}
	if got := r.Origin.Count("manifest") + r.Origin.Count("segment"); got != fromViewers {
		t.Errorf("Result.Origin counts %d requests, origin attributed %d to viewers; want the variant choice's own request left out", got, fromViewers)
	}
}

// TestVariantRoundRobin checks the default variant choice: each viewer
// plays one rendition, taking the master's variants in turn, over http and
// over https from a self-signed origin (whose certificate the viewers do
// not verify, nor may the fleet's master fetch); the master fetch made
// from Go is not part of Result.Origin; and the bytes counter follows the
// bytes the origin sent.
func TestVariantRoundRobin(t *testing.T) {
	t.Run("http", func(t *testing.T) { testVariantRoundRobin(t, false) })
	t.Run("https", func(t *testing.T) { testVariantRoundRobin(t, true) })
}

func testVariantRoundRobin(t *testing.T, tls bool) {
	opts := []fixtures.Option{fixtures.Live{}}
	if tls {
		opts = append(opts, fixtures.WithTLS())
	}
	origin := fixtures.NewOrigin(t, opts...)
	rec := &testkit.Recorder{TB: t}
	// A live speed threshold without WarmUp: a viewer has no speed until
	// its out time stepped over a window (see stats.Viewer.ObserveProgress),
	// so ffmpeg's first speed=0 does not break it (a healthy fleet plays at
	// ~1x: the bound is loose for busy machines).
	// The run lasts until every viewer has played a few segments (on a
	// busy machine a start takes seconds), then 2 s more.
	f := Start(rec, Config{URL: origin.URL(), Clients: 4, Ramp: 400 * time.Millisecond, Duration: time.Minute, Origin: origin, ProgressInterval: -1,
		Thresholds: []string{"min(speed) >= 0.5"}})
	testkit.WaitFor(t, 40*time.Second, "every viewer playing", func() bool {
		playing := 0
		for _, v := range f.Snapshot().Viewers {
			if v.Requests.Segment >= 3 {
				playing++
			}
		}
		return playing == 4
	})
	time.Sleep(2 * time.Second)
	r := f.Stop()
	t.Log("\n" + r.Summary())
	if r.Aborted != nil || len(rec.Errors()) != 0 {
		t.Errorf("aborted %+v, failures %q; want min(speed) >= 0.5 to hold from the start", r.Aborted, rec.Errors())
	}
	for _, l := range rec.Logs() {
		if strings.Contains(l, "Config.Variant") {
			t.Errorf("log %q; want the master playlist fetched", l)
		}
	}
	if r.Config.Variant != VariantRoundRobin {
		t.Errorf("Config.Variant = %q; want the default %q", r.Config.Variant, VariantRoundRobin)
	}
	renditions := map[string]map[string]bool{} // client -> renditions of its segments
	var viewerBytes int64
	var viewerReqs int64
	for _, req := range origin.Requests() {
		if req.Client == "" {
			continue
		}
		viewerReqs++
		viewerBytes += req.Bytes
		if req.Kind != fixtures.KindSegment {
			continue
		}
		if renditions[req.Client] == nil {
			renditions[req.Client] = map[string]bool{}
		}
		renditions[req.Client][req.Rendition] = true
	}
	want := map[string]string{"1": "v0", "2": "v1", "3": "v0", "4": "v1"}
	for client, rend := range want {
		if got := renditions[client]; len(got) != 1 || !got[rend] {
			t.Errorf("client %s fetched segments of %v; want of %s only", client, got, rend)
		}
	}
	// The Result names each viewer's rendition as the origin saw it.
	for _, v := range r.Viewers {
		if want := "/" + want[strconv.Itoa(v.ID)] + "/"; !strings.HasPrefix(v.Rendition, want) {
			t.Errorf("viewer %d: Rendition %q; want the playlist under %s", v.ID, v.Rendition, want)
		}
	}
	if got := r.Origin.Count("manifest") + r.Origin.Count("segment") + r.Origin.Count("init") + r.Origin.Count("unknown"); got != viewerReqs {
		t.Errorf("Result.Origin counts %d requests, origin attributed %d to viewers; want the master fetch left out", got, viewerReqs)
	}
	if tls {
		return // keep-alive: a connection's bytes are logged when it closes, at the stop or never
	}
	// Bytes read count bodies read to their end; at the stop a few are
	// cut, so the count is a little under what the origin sent.
	if got := int64(r.Totals.Bytes); got <= viewerBytes/2 || got > viewerBytes {
		t.Errorf("Totals.Bytes = %d; want most of the %d bytes the origin sent to viewers, and no more", got, viewerBytes)
	}
	if strings.Contains(r.Summary(), "bytes -\n") {
		t.Errorf("summary shows no bytes:\n%s", r.Summary())
	}
}
