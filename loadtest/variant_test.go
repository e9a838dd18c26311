package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
)

// TestSelectPlaysFailures checks the preflight: every failed fetch of
// Config.URL, or of the media playlist chosen, fails the fleet naming
// the URL and why, unless Config.AllowNoPlayback is set; then the reason
// is logged and every viewer plays Config.URL as given.
func TestSelectPlaysFailures(t *testing.T) {
	t.Parallel()
	refusedURL := testkit.Refused("/master.m3u8")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page.html":
			_, _ = w.Write([]byte("<html><body>Not here</body></html>"))
		case "/master.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv0/missing.m3u8\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	silent := testkit.Tarpit(t)
	tests := []struct {
		name, url string
		variant   Variant
		want      []string
	}{
		{"refused", refusedURL, VariantRoundRobin, []string{"Config.URL: GET " + refusedURL + ": ", "connection refused"}},
		{"404", srv.URL + "/nosuch.m3u8", VariantAll, []string{"Config.URL: GET " + srv.URL + "/nosuch.m3u8: HTTP 404 Not Found"}},
		{"html", srv.URL + "/page.html", VariantFirst, []string{"not an HLS playlist", `the body starts with "<html><body>Not here</body></html>"`}},
		{"tarpit", silent, VariantRoundRobin, []string{"GET " + silent + ": ", "(no answer within Config.Timeout = 300ms)"}},
		{"media playlist 404", srv.URL + "/master.m3u8", VariantRoundRobin, []string{"media playlist of " + srv.URL + "/master.m3u8: GET " + srv.URL + "/v0/missing.m3u8: HTTP 404"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{URL: tt.url, Variant: tt.variant, Timeout: 300 * time.Millisecond}
			begin := time.Now()
			_, _, _, err := selectPlays(context.Background(), cfg)
			if took := time.Since(begin); took > 3*time.Second {
				t.Errorf("failed after %s; want about Config.Timeout (300ms) at most", took)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, "loadtest: Config.URL: ", "Config.AllowNoPlayback") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			cfg.AllowNoPlayback = true
			plays, live, note, err := selectPlays(context.Background(), cfg)
			if err != nil || live || len(plays) != 1 || plays[0].url != tt.url {
				t.Errorf("AllowNoPlayback: plays %+v, live %v, err %v; want Config.URL played as given, as VOD", plays, live, err)
			}
			if !strings.Contains(note, tt.want[0]) || !strings.Contains(note, "Config.AllowNoPlayback is set") {
				t.Errorf("AllowNoPlayback: note %q; want the reason (%q) and the opt-out named", note, tt.want[0])
			}
		})
	}
}

// TestFetchHeadersStayWithTheOrigin checks that the fleet's own fetches
// send Config.Headers to Config.URL's origin (scheme, host and port),
// through a redirect to the same origin too, and never to another host
// after a redirect; the user agent goes everywhere, as the viewers'.
func TestFetchHeadersStayWithTheOrigin(t *testing.T) {
	t.Parallel()
	type seen struct{ auth, cookie, custom, ua string }
	var mu sync.Mutex
	got := map[string]seen{}
	record := func(name string, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got[name+" "+r.URL.Path] = seen{r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Custom"), r.Header.Get("User-Agent")}
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record("other", r)
		switch r.URL.Path {
		case "/master.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv0.m3u8\n"))
		default:
			_, _ = w.Write([]byte("#EXTM3U\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"))
		}
	}))
	t.Cleanup(other.Close)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record("origin", r)
		switch r.URL.Path {
		case "/cross.m3u8":
			http.Redirect(w, r, other.URL+"/master.m3u8", http.StatusFound)
		case "/same.m3u8":
			http.Redirect(w, r, "/master.m3u8", http.StatusMovedPermanently)
		case "/master.m3u8":
			_, _ = w.Write([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv0.m3u8\n"))
		default:
			_, _ = w.Write([]byte("#EXTM3U\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"))
		}
	}))
	t.Cleanup(origin.Close)
	headers := map[string]string{"Authorization": "Bearer s3cret", "Cookie": "sid=1", "X-Custom": "1"}
	for _, path := range []string{"/cross.m3u8", "/same.m3u8"} {
		cfg := Config{URL: origin.URL + path, Headers: headers, UserAgent: "ua", Timeout: 5 * time.Second}
		if _, _, _, err := selectPlays(context.Background(), cfg); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	with, without := seen{"Bearer s3cret", "sid=1", "1", "ua variant-select"}, seen{ua: "ua variant-select"}
	want := map[string]seen{
		"origin /cross.m3u8": with, "other /master.m3u8": without, "other /v0.m3u8": without,
		"origin /same.m3u8": with, "origin /master.m3u8": with, "origin /v0.m3u8": with,
	}
	mu.Lock()
	defer mu.Unlock()
	for req, w := range want {
		if g, ok := got[req]; !ok || g != w {
			t.Errorf("%s: headers %+v (requested %v); want %+v", req, g, ok, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("requests %v; want %d", got, len(want))
	}
}

// TestFetchUsesNoProxy: the viewers (ffmpeg without -http_proxy) take no
// proxy from the environment, so the fleet's own fetches take none either.
func TestFetchUsesNoProxy(t *testing.T) {
	t.Parallel()
	c, done := masterClient(Config{URL: "http://example.test/a.m3u8"})
	defer done()
	tr := c.Transport.(headerTransport).base.(*http.Transport)
	if tr.Proxy != nil {
		t.Error("the fetch transport has a Proxy func; want none (HTTP_PROXY and friends ignored, as by ffmpeg)")
	}
}
