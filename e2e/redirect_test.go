package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/fixtures"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// TestRedirectedMaster: a master playlist answered with a redirect, as a
// CDN edge or a load balancer does, to the same host and to another
// origin. The variant URIs must resolve against the final URL, as players
// do, for round-robin viewers (given media playlists) and for VariantAll's
// (given the master): the origin's ground truth shows every viewer's
// segments served, no 404, and the parsers' counts equal to it; the front
// answers nothing but the redirect (and, for the same host, the proxied
// origin).
func TestRedirectedMaster(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		code    int
		path    string
		variant loadtest.Variant
	}{
		{"same_host_307", http.StatusTemporaryRedirect, "/edge/same.m3u8", loadtest.VariantRoundRobin},
		{"cross_host_302", http.StatusFound, "/edge/cross.m3u8", loadtest.VariantRoundRobin},
		{"cross_host_301_all", http.StatusMovedPermanently, "/edge/cross.m3u8", loadtest.VariantAll},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			origin := fixtures.NewOrigin(t, fixtures.VOD{})
			var redirects, strays atomic.Int64
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/edge/same.m3u8":
					redirects.Add(1)
					http.Redirect(w, r, "/origin/master.m3u8", tt.code)
				case r.URL.Path == "/edge/cross.m3u8":
					redirects.Add(1)
					http.Redirect(w, r, origin.URL(), tt.code)
				case strings.HasPrefix(r.URL.Path, "/origin/"):
					http.StripPrefix("/origin", origin).ServeHTTP(w, r)
				default:
					strays.Add(1)
					http.NotFound(w, r)
				}
			}))
			t.Cleanup(front.Close)
			cfg := loadtest.Config{
				URL: front.URL + tt.path, Clients: 2, Ramp: 500 * time.Millisecond, Duration: 3 * time.Second,
				RestartPolicy: loadtest.RestartNever, ProgressInterval: -1, Origin: origin, Variant: tt.variant, VOD: loadtest.VODDownload,
			}
			res, truth := runVODOnce(t, cfg, origin)
			for kind, byStatus := range truth.ByKind {
				for code, n := range byStatus {
					if code != http.StatusOK {
						t.Errorf("origin answered %d %s requests with %d; want 200 only", n, kind, code)
					}
				}
			}
			if segs := truth.ByKind[fixtures.KindSegment][http.StatusOK]; segs < 2*4 {
				t.Errorf("origin served %d segments; want every viewer's (>= 8)", segs)
			}
			if got := strays.Load(); got != 0 {
				t.Errorf("the front answered %d requests with 404: URIs resolved against the URL before the redirect", got)
			}
			if got := redirects.Load(); got != 1 {
				t.Errorf("the front redirected %d requests; want 1 (the fleet's own fetch: viewers are given the final URLs)", got)
			}
			t.Logf("origin %v; parsers: %+v", origin.RequestCounts(), res.Totals.Requests)
		})
	}
}
