package player

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/internal/stats"
)

// connLog serves origin behind an https server (offering HTTP/2 when h2)
// and records each request's protocol and connection by viewer.
type connLog struct {
	mu     sync.Mutex
	protos map[string]int
	conns  map[string]map[string]bool // viewer id -> remote addresses
	srv    *httptest.Server
}

func newConnLog(t *testing.T, origin *fixtures.Origin, h2 bool) *connLog {
	l := &connLog{protos: map[string]int{}, conns: map[string]map[string]bool{}}
	l.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.protos[r.Proto]++
		id := r.Header.Get(ClientHeader)
		if l.conns[id] == nil {
			l.conns[id] = map[string]bool{}
		}
		l.conns[id][r.RemoteAddr] = true
		l.mu.Unlock()
		origin.ServeHTTP(w, r)
	}))
	l.srv.EnableHTTP2 = h2
	l.srv.StartTLS()
	t.Cleanup(l.srv.Close)
	return l
}

// TestPlayHTTP2: to an https origin that offers h2, every viewer speaks
// HTTP/2 over one connection of its own (its renditions, every one of
// the master playlist's, share it; no other viewer does); to one that does not, HTTP/1.1 from the shared
// pool. Counts equal the origin's, and Responses says which protocol.
func TestPlayHTTP2(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		offer     bool
		wantProto string
	}{{"h2 offered", true, "HTTP/2.0"}, {"http/1.1 only", false, "HTTP/1.1"}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.Live{})
			l := newConnLog(t, origin, tt.offer)
			master := l.srv.URL + strings.TrimPrefix(origin.URL(), origin.BaseURL())
			renditions := uint64(len(origin.MediaURLs()))
			agg := stats.NewAggregator(stats.Options{})
			c := NewClient(ClientOptions{HTTP2: true, Viewers: 3})
			defer c.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for id := 1; id <= 3; id++ {
				wg.Go(func() {
					c.Play(ctx, Viewer{ID: id, URL: master, Stats: agg.AddViewer(id)})
				})
			}
			wg.Wait()
			idle, cancelIdle := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancelIdle()
			if err := origin.WaitIdle(idle); err != nil {
				t.Fatal(err)
			}
			var s stats.Snapshot
			agg.Snapshot(&s, true)
			truth := origin.Snapshot()
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.protos[tt.wantProto] != int(truth.Requests) || len(l.protos) != 1 {
				t.Errorf("protocols %v; want %s for all %d requests", l.protos, tt.wantProto, truth.Requests)
			}
			if got := c.Responses(); got[tt.wantProto] != truth.Requests || len(got) != 1 {
				t.Errorf("Responses() = %v; want %s: %d", got, tt.wantProto, truth.Requests)
			}
			seen := map[string]string{}
			for _, row := range s.Viewers {
				id := clientID(row.ID)
				equalTruth(t, played{row: row, truth: truth.ByClient[id]})
				if row.Requests[stats.KindSegment] < 2*renditions {
					t.Errorf("viewer %s: %d segment requests; want every rendition's (>= %d)", id, row.Requests[stats.KindSegment], 2*renditions)
				}
				if !tt.offer {
					continue
				}
				if n := len(l.conns[id]); n != 1 {
					t.Errorf("viewer %s used %d connections; want 1 of its own", id, n)
				}
				for a := range l.conns[id] {
					if other, ok := seen[a]; ok {
						t.Errorf("viewers %s and %s shared connection %s", other, id, a)
					}
					seen[a] = id
				}
			}
		})
	}
}

// TestPlayHTTP2Faults: over HTTP/2 each fixture fault shows as it does
// over HTTP/1.1 (a reset or truncation as a reconnect, a stall past the
// timeout as a timeout, an error status as an HTTP error), with counts
// equal to the origin's.
func TestPlayHTTP2Faults(t *testing.T) {
	t.Parallel()
	seg := []fixtures.Kind{fixtures.KindSegment}
	tests := []struct {
		name  string
		fault fixtures.Fault
		check func(t *testing.T, p played)
	}{
		{"status", fixtures.Fault{Type: fixtures.FaultStatus, Status: 404, Kinds: seg, Every: 3}, func(t *testing.T, p played) {
			if p.row.HTTPErrors == 0 {
				t.Error("no HTTP errors counted")
			}
		}},
		{"header stall", fixtures.Fault{Type: fixtures.FaultHeaderStall, Delay: 2 * time.Second, Kinds: seg, Limit: 1}, func(t *testing.T, p played) {
			if p.row.Timeouts != 1 || p.row.SegmentFailures != 1 || p.truth.Status[0] != 1 {
				t.Errorf("timeouts %d, segment failures %d, origin status-0 %d; want 1, 1, 1", p.row.Timeouts, p.row.SegmentFailures, p.truth.Status[0])
			}
		}},
		{"body stall", fixtures.Fault{Type: fixtures.FaultBodyStall, Delay: 2 * time.Second, After: 100, Kinds: seg, Limit: 1}, func(t *testing.T, p played) {
			if p.row.Timeouts != 1 || p.row.SegmentFailures != 1 {
				t.Errorf("timeouts %d, segment failures %d; want 1 and 1", p.row.Timeouts, p.row.SegmentFailures)
			}
		}},
		{"reset before the response", fixtures.Fault{Type: fixtures.FaultReset, Kinds: seg, Limit: 2}, func(t *testing.T, p played) {
			if p.row.Reconnects != 2 || p.row.SegmentFailures != 2 || p.truth.Status[0] != 2 {
				t.Errorf("reconnects %d, segment failures %d, origin status-0 %d; want 2, 2, 2 (a stream reset is not retried)", p.row.Reconnects, p.row.SegmentFailures, p.truth.Status[0])
			}
		}},
		{"reset inside the body", fixtures.Fault{Type: fixtures.FaultReset, After: 100, Kinds: seg, Limit: 2}, func(t *testing.T, p played) {
			if p.row.Reconnects != 2 || p.row.SegmentFailures != 2 {
				t.Errorf("reconnects %d, segment failures %d; want 2 and 2", p.row.Reconnects, p.row.SegmentFailures)
			}
		}},
		{"truncate", fixtures.Fault{Type: fixtures.FaultTruncate, After: 100, Kinds: seg, Limit: 2}, func(t *testing.T, p played) {
			if p.row.Reconnects != 2 || p.row.SegmentFailures != 2 {
				t.Errorf("reconnects %d, segment failures %d; want 2 and 2", p.row.Reconnects, p.row.SegmentFailures)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithHTTP2(), fixtures.WithFaults(tt.fault))
			p := playFor(t, origin, ClientOptions{HTTP2: true, Timeout: 300 * time.Millisecond}, Viewer{ID: 4, URL: origin.MediaURLs()[0]}, 4*time.Second)
			equalTruth(t, p)
			if p.truth.Requests[fixtures.KindSegment] < 3 {
				t.Errorf("origin served %d segments; want the play to go on past the fault", p.truth.Requests[fixtures.KindSegment])
			}
			for _, r := range origin.Requests() {
				if r.Proto != "HTTP/2.0" {
					t.Fatalf("request %s over %s; want HTTP/2.0", r.Path, r.Proto)
				}
			}
			tt.check(t, p)
		})
	}
}

// TestPlayHTTP2Refused: a refused connection counts as refused, and no
// request reached the network.
func TestPlayHTTP2Refused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	agg := stats.NewAggregator(stats.Options{})
	c := NewClient(ClientOptions{HTTP2: true})
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	c.Play(ctx, Viewer{ID: 1, URL: "https://" + addr + "/v0/index.m3u8", Stats: agg.AddViewer(1)})
	var s stats.Snapshot
	agg.Snapshot(&s, true)
	if row := s.Viewers[0]; row.ConnRefused == 0 || row.Requests[stats.KindManifest] != 0 {
		t.Errorf("refused %d, manifest requests %d; want > 0 and 0", row.ConnRefused, row.Requests[stats.KindManifest])
	}
}

// TestPlayHTTP2StopsPromptly: over HTTP/2, a viewer whose segment body
// stalls for a minute returns soon after its context ends (stopGrace),
// its connection closed (goleak).
func TestPlayHTTP2StopsPromptly(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.Live{}, fixtures.WithHTTP2(), fixtures.WithFaults(
		fixtures.Fault{Type: fixtures.FaultBodyStall, Delay: time.Minute, After: 100, Kinds: []fixtures.Kind{fixtures.KindSegment}},
	))
	agg := stats.NewAggregator(stats.Options{})
	c := NewClient(ClientOptions{Timeout: time.Minute, HTTP2: true})
	defer c.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		c.Play(ctx, Viewer{ID: 1, URL: origin.MediaURLs()[0], Stats: agg.AddViewer(1)})
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	var s stats.Snapshot
	for agg.Snapshot(&s, false); s.Requests[stats.KindSegment] == 0; agg.Snapshot(&s, false) {
		if time.Now().After(deadline) {
			t.Fatal("no segment request within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopped := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Play still running 10 s after its context ended, its segment body stalled for a minute")
	}
	if d := time.Since(stopped); d > stopGrace+2*time.Second {
		t.Errorf("Play returned %s after its context ended; want about stopGrace (%s)", d, stopGrace)
	}
	if got := c.Responses()[ProtoHTTP2]; got == 0 {
		t.Errorf("Responses() = %v; want HTTP/2", c.Responses())
	}
}

// TestPlayHTTP2Redirect: a redirect to another https host that offers h2
// gets the viewer a second connection of its own; headers go to Origin's
// host only, every hop counts.
func TestPlayHTTP2Redirect(t *testing.T) {
	t.Parallel()
	origin := fixtures.NewOrigin(t, fixtures.VOD{}, fixtures.WithHTTP2())
	var mu sync.Mutex
	frontProto := ""
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		frontProto = r.Proto
		mu.Unlock()
		http.Redirect(w, r, origin.BaseURL()+r.URL.Path, http.StatusFound)
	}))
	front.EnableHTTP2 = true
	front.StartTLS()
	t.Cleanup(front.Close)
	media := front.URL + strings.TrimPrefix(origin.MediaURLs()[0], origin.BaseURL())
	p := playFor(t, origin, ClientOptions{HTTP2: true, Origin: front.URL, Headers: map[string]string{"X-Secret": "s"}},
		Viewer{ID: 9, URL: media, Download: true}, 20*time.Second)
	p.truth.Requests[fixtures.KindMedia]++ // the front's redirect
	equalTruth(t, p)
	mu.Lock()
	defer mu.Unlock()
	if frontProto != "HTTP/2.0" {
		t.Errorf("front spoken to over %q; want HTTP/2.0", frontProto)
	}
	segs := int64(origin.Content().Renditions()[0].Segments)
	if got := p.truth.Requests[fixtures.KindSegment]; got != segs {
		t.Errorf("origin served %d segments; want %d", got, segs)
	}
	for _, r := range origin.Requests() {
		if r.Proto != "HTTP/2.0" {
			t.Errorf("origin: %s over %s; want HTTP/2.0", r.Path, r.Proto)
		}
	}
}
