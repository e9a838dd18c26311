package loadtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// tarpit accepts connections and never answers; it is closed with the test.
func tarpit(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(conns)
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/live/master.m3u8"
}

// TestSelectPlaysFailures checks the preflight: every failed fetch of
// Config.URL, or of the media playlist chosen, fails the fleet naming
// the URL and why, unless Config.AllowNoPlayback is set; then the reason
// is logged and every viewer plays Config.URL as given.
func TestSelectPlaysFailures(t *testing.T) {
	t.Parallel()
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL + "/master.m3u8"
	refused.Close()
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
	silent := tarpit(t)
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
