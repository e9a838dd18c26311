package player

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/originproc"
	"github.com/hlsswarm/hlsswarm/internal/stats"
	"go.uber.org/goleak"
)

// TestMain serves a fixture origin instead when the test binary is the
// child of originproc.Start (BenchmarkLiveDensity), and otherwise fails
// the package when a goroutine outlives the tests.
func TestMain(m *testing.M) {
	if code, ok := originproc.ServeIfChild(); ok {
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}

// played is one viewer's run: what the player measured and counted, and
// what the origin served it.
type played struct {
	rep   Report
	row   stats.ViewerRow
	truth fixtures.Counts
}

// playFor plays v against origin for at most d and returns what both
// sides saw, once the origin went idle.
func playFor(t *testing.T, origin *fixtures.Origin, opts ClientOptions, v Viewer, d time.Duration) played {
	t.Helper()
	agg := stats.NewAggregator(stats.Options{})
	v.Stats = agg.AddViewer(v.ID)
	c := NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	rep := c.Play(ctx, v)
	idle, cancelIdle := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancelIdle()
	if err := origin.WaitIdle(idle); err != nil {
		t.Fatalf("origin never went idle: %v", err)
	}
	var s stats.Snapshot
	agg.Snapshot(&s, true)
	return played{rep: rep, row: s.Viewers[0], truth: origin.Snapshot().ByClient[strconv.Itoa(v.ID)]}
}

// kindsOf adds the origin's counts up by catalogue kind.
func kindsOf(c fixtures.Counts) [stats.NumKinds]int64 {
	var k [stats.NumKinds]int64
	for kind, n := range c.Requests {
		switch kind {
		case fixtures.KindMaster, fixtures.KindMedia:
			k[stats.KindManifest] += n
		case fixtures.KindSegment:
			k[stats.KindSegment] += n
		case fixtures.KindInit:
			k[stats.KindInit] += n
		default:
			k[stats.KindUnknown] += n
		}
	}
	return k
}

// equalTruth fails the test unless the player's counts equal the
// origin's, kind by kind and error status by error status.
func equalTruth(t *testing.T, p played) {
	t.Helper()
	want := kindsOf(p.truth)
	for k := range stats.NumKinds {
		if got := int64(p.row.Requests[k]); got != want[k] {
			t.Errorf("%s requests = %d; origin served %d", k, got, want[k])
		}
	}
	var errs int64
	for code, n := range p.truth.Status {
		if code >= 400 {
			errs += n
		}
	}
	if int64(p.row.HTTPErrors) != errs {
		t.Errorf("HTTP errors = %d; origin sent %d error statuses (%v)", p.row.HTTPErrors, errs, p.truth.Status)
	}
	if int64(p.row.Bytes) != p.truth.Bytes {
		t.Errorf("bytes = %d; origin sent %d", p.row.Bytes, p.truth.Bytes)
	}
}

func TestPlayLive(t *testing.T) {
	t.Parallel()
	for _, f := range []fixtures.Format{fixtures.TS, fixtures.FMP4} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFormat(f))
			p := playFor(t, origin, ClientOptions{}, Viewer{ID: 7, URL: origin.MediaURLs()[0]}, 4500*time.Millisecond)
			equalTruth(t, p)
			if p.row.Requests[stats.KindManifest] < 3 {
				t.Errorf("manifest requests = %d in 4.5 s of a live stream with 1 s segments; want a reload every target duration", p.row.Requests[stats.KindManifest])
			}
			// Three target durations of hold-back, then one a second.
			if got := p.row.Requests[stats.KindSegment]; got < 4 {
				t.Errorf("segment requests = %d; want the 3 of the hold-back and more", got)
			}
			wantInit := uint64(0)
			if f == fixtures.FMP4 {
				wantInit = 1 // once per rendition, not once per reload
			}
			if got := p.row.Requests[stats.KindInit]; got != wantInit {
				t.Errorf("init requests = %d; want %d", got, wantInit)
			}
			if p.rep.Startup <= 0 || p.rep.Played <= 0 || !p.row.HasProgress {
				t.Errorf("report %+v, progress %v: playback never began", p.rep, p.row.HasProgress)
			}
		})
	}
}

func TestPlayVOD(t *testing.T) {
	t.Parallel()
	for _, f := range []fixtures.Format{fixtures.TS, fixtures.FMP4} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(f))
			p := playFor(t, origin, ClientOptions{}, Viewer{ID: 3, URL: origin.MediaURLs()[1], Download: true}, 20*time.Second)
			equalTruth(t, p)
			segs := origin.Content().Renditions()[0].Segments
			if got := p.row.Requests[stats.KindSegment]; got != uint64(segs) {
				t.Errorf("segment requests = %d; want the VOD's %d, once", got, segs)
			}
			if got := p.row.Requests[stats.KindManifest]; got != 1 {
				t.Errorf("manifest requests = %d; want 1 (a VOD playlist is not reloaded)", got)
			}
			if p.rep.Plays != 1 || p.rep.Segments != segs {
				t.Errorf("report %+v; want 1 play of %d segments", p.rep, segs)
			}
		})
	}
}

// TestPlayVODWatch: at real time, with a forward buffer of two seconds,
// a viewer has fetched only what it played plus that buffer.
func TestPlayVODWatch(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.VOD{})
	p := playFor(t, origin, ClientOptions{}, Viewer{ID: 4, URL: origin.MediaURLs()[0], MaxBuffer: 2 * time.Second, Replay: true}, 3*time.Second)
	equalTruth(t, p)
	// Played at most 3 s, buffered 2 s ahead, plus the segment in flight.
	if got, segs := p.row.Requests[stats.KindSegment], origin.Content().Renditions()[0].Segments; got > 6 || got >= uint64(segs) {
		t.Errorf("segment requests = %d in 3 s at real time with a 2 s buffer; want at most 6 (of %d)", got, segs)
	}
	if p.rep.Played <= 0 || p.rep.Played > 3*time.Second {
		t.Errorf("played %s in 3 s; want (0, 3s]", p.rep.Played)
	}
}

// TestPlayMaster: a master playlist is played like ffmpeg's -map 0: the
// master once, then every variant.
func TestPlayMaster(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithFormat(fixtures.FMP4))
	p := playFor(t, origin, ClientOptions{}, Viewer{ID: 9, URL: origin.URL(), Download: true}, 20*time.Second)
	equalTruth(t, p)
	variants := int64(len(origin.MediaURLs()))
	if got := p.truth.Requests[fixtures.KindMaster]; got != 1 {
		t.Errorf("master requests = %d; want 1", got)
	}
	if got := p.truth.Requests[fixtures.KindInit]; got != variants {
		t.Errorf("init requests = %d; want one per variant (%d)", got, variants)
	}
	if got, want := p.truth.Requests[fixtures.KindSegment], variants*int64(origin.Content().Renditions()[0].Segments); got != want {
		t.Errorf("segment requests = %d; want %d", got, want)
	}
}

// TestPlayFaults: HTTP errors are counted as the origin sent them, and a
// failed segment is skipped.
func TestPlayFaults(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(
		fixtures.Fault{Type: fixtures.FaultStatus, Status: 404, Kinds: []fixtures.Kind{fixtures.KindSegment}, Every: 3},
		fixtures.Fault{Type: fixtures.FaultStatus, Status: 503, Kinds: []fixtures.Kind{fixtures.KindMedia}, Every: 2},
	))
	p := playFor(t, origin, ClientOptions{}, Viewer{ID: 5, URL: origin.MediaURLs()[0]}, 4*time.Second)
	equalTruth(t, p)
	if p.truth.Status[404] == 0 || p.truth.Status[503] == 0 {
		t.Fatalf("origin statuses %v; want 404s and 503s", p.truth.Status)
	}
	// A failure answered while the viewer stops is the stop's, not the
	// origin's: the last one may not count.
	if n, want := p.row.SegmentFailures, uint64(p.truth.Status[404]); n != want && n+1 != want {
		t.Errorf("segment failures = %d; want one per 404 segment (%d)", n, want)
	}
	if n, want := p.row.PlaylistFailures, uint64(p.truth.Status[503]); n != want && n+1 != want {
		t.Errorf("playlist failures = %d; want one per 503 playlist (%d)", n, want)
	}
}

// TestPlayTimeout: a response whose body stalls past the timeout counts a
// timeout, and the viewer goes on.
func TestPlayTimeout(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(
		fixtures.Fault{Type: fixtures.FaultBodyStall, Delay: 2 * time.Second, After: 100, Kinds: []fixtures.Kind{fixtures.KindSegment}, Limit: 1},
	))
	p := playFor(t, origin, ClientOptions{Timeout: 300 * time.Millisecond}, Viewer{ID: 6, URL: origin.MediaURLs()[0]}, 4*time.Second)
	equalTruth(t, p)
	if p.row.Timeouts != 1 || p.row.SegmentFailures != 1 {
		t.Errorf("timeouts = %d, segment failures = %d; want 1 and 1", p.row.Timeouts, p.row.SegmentFailures)
	}
}

// TestPlayRedirect: playlists and segments behind redirects, to the same
// host and to another, resolve against the final URL; every hop counts
// as a request of its kind; headers go to Origin's host only, the client
// id everywhere.
func TestPlayRedirect(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.VOD{})
	var hops, leaked, anonymous atomic.Int64
	// The guard stands in front of the origin on another port (another
	// web origin): it sees the headers of the redirected requests.
	guard := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Secret") != "" {
			leaked.Add(1)
		}
		if r.Header.Get(ClientHeader) != "8" || !strings.HasSuffix(r.UserAgent(), " client-8") {
			anonymous.Add(1)
		}
		origin.ServeHTTP(w, r)
	}))
	t.Cleanup(guard.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hops.Add(1)
		if r.Header.Get("X-Secret") == "" {
			t.Errorf("front: %s without X-Secret", r.URL.Path)
		}
		http.Redirect(w, r, guard.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(front.Close)
	media := front.URL + strings.TrimPrefix(origin.MediaURLs()[0], origin.BaseURL())
	p := playFor(t, origin, ClientOptions{Origin: front.URL, Headers: map[string]string{"X-Secret": "s"}},
		Viewer{ID: 8, URL: media, Download: true}, 20*time.Second)
	if hops.Load() != 1 {
		t.Fatalf("front answered %d requests; want 1 (the media playlist; its segments resolve against the final URL)", hops.Load())
	}
	// The front's redirect is a manifest request the origin never saw.
	p.truth.Requests[fixtures.KindMedia]++
	equalTruth(t, p)
	segs := int64(origin.Content().Renditions()[0].Segments)
	if got := p.truth.Requests[fixtures.KindSegment]; got != segs {
		t.Errorf("origin served %d segments; want %d (URIs resolved against the final URL)", got, segs)
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("%d requests to another host carried X-Secret; want none", n)
	}
	if n := anonymous.Load(); n != 0 {
		t.Errorf("%d requests without the client id; want none", n)
	}
}

// TestPlayStopsPromptly: a viewer whose segment body stalls for a minute
// returns soon after its context ends (its request in flight is given
// stopGrace, not the stall), with nothing left running (goleak).
func TestPlayStopsPromptly(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithFaults(
		fixtures.Fault{Type: fixtures.FaultBodyStall, Delay: time.Minute, After: 100, Kinds: []fixtures.Kind{fixtures.KindSegment}},
	))
	agg := stats.NewAggregator(stats.Options{})
	c := NewClient(ClientOptions{Timeout: time.Minute})
	defer c.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan Report)
	go func() { done <- c.Play(ctx, Viewer{ID: 1, URL: origin.MediaURLs()[0], Stats: agg.AddViewer(1)}) }()
	waitSegment := time.NewTimer(10 * time.Second)
	defer waitSegment.Stop()
	var s stats.Snapshot
	for agg.Snapshot(&s, false); s.Requests[stats.KindSegment] == 0; agg.Snapshot(&s, false) {
		select {
		case <-waitSegment.C:
			t.Fatal("no segment request within 10 s")
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Play still running 10 s after its context ended, its segment body stalled for a minute")
	}
}

// TestPlayHTTPS: over https to a server that offers HTTP/2, a viewer
// speaks HTTP/1.1 and, with keep-alive, one viewer's requests (one at a
// time) share one connection; without it each has its own.
func TestPlayHTTPS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		keepAlive bool
	}{{"keep-alive", true}, {"no-keep-alive", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.VOD{})
			var mu sync.Mutex
			protos, conns := map[string]int{}, map[string]bool{}
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				protos[r.Proto]++
				conns[r.RemoteAddr] = true
				mu.Unlock()
				origin.ServeHTTP(w, r)
			}))
			srv.EnableHTTP2 = true
			srv.StartTLS()
			t.Cleanup(srv.Close)
			media := srv.URL + strings.TrimPrefix(origin.MediaURLs()[0], origin.BaseURL())
			p := playFor(t, origin, ClientOptions{DisableKeepAlives: !tt.keepAlive}, Viewer{ID: 1, URL: media, Download: true}, 20*time.Second)
			equalTruth(t, p)
			mu.Lock()
			defer mu.Unlock()
			requests := int(p.truth.Total())
			if protos["HTTP/1.1"] != requests {
				t.Errorf("protocols %v; want HTTP/1.1 for all %d requests", protos, requests)
			}
			want := 1
			if !tt.keepAlive {
				want = requests
			}
			if len(conns) != want {
				t.Errorf("%d connections for %d requests; want %d", len(conns), requests, want)
			}
		})
	}
}
