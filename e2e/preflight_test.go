package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hlsswarm/hlsswarm/internal/testkit"
	"github.com/hlsswarm/hlsswarm/loadtest"
)

// startRecorded calls loadtest.Start with rec on a goroutine of its own (a
// Fatalf ends it) and returns the fleet (nil after a Fatalf) and how long
// Start took.
func startRecorded(rec *testkit.Recorder, cfg loadtest.Config) (*loadtest.Fleet, time.Duration) {
	var f *loadtest.Fleet
	begin := time.Now()
	rec.Go(func() { f = loadtest.Start(rec, cfg) })
	return f, time.Since(begin)
}

// TestPreflight: Start fetches Config.URL before any viewer starts and
// fails at once, naming the URL and why, against a refused port, a 404,
// an HTML page and a server that never answers (within Config.Timeout);
// with Config.AllowNoPlayback the reason is logged and the viewers play
// the URL as given (ffmpeg against the same dead origin).
func TestPreflight(t *testing.T) {
	t.Parallel()
	refusedURL := testkit.Refused("/live/master.m3u8")
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/index.html" {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Sign in to continue</body></html>"))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(pages.Close)
	const timeout = time.Second
	tests := []struct {
		name string
		url  string
		want string
		max  time.Duration // Start's run time at most (the machine is shared: slack)
	}{
		{"refused", refusedURL, "GET " + refusedURL + ": dial tcp", 2 * time.Second},
		{"404", pages.URL + "/live/master.m3u8", "GET " + pages.URL + "/live/master.m3u8: HTTP 404 Not Found", 2 * time.Second},
		{"html", pages.URL + "/index.html", `not an HLS playlist (Content-Type "text/html", no #EXTM3U first line): the body starts with "<!DOCTYPE html><html><body>Sign in to continue</body></html>"`, 2 * time.Second},
		{"tarpit", testkit.Tarpit(t), "(no answer within Config.Timeout = 1s)", timeout + 2*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := loadtest.Config{URL: tt.url, Clients: 2, Ramp: 100 * time.Millisecond, Duration: time.Second, Timeout: timeout, ProgressInterval: -1}
			rec := &testkit.Recorder{TB: t}
			f, took := startRecorded(rec, cfg)
			fatals := rec.Fatals()
			if f != nil || len(fatals) != 1 {
				t.Fatalf("Start returned %v with failures %q; want one failure", f, fatals)
			}
			for _, want := range []string{"loadtest: Config.URL: ", tt.want, "Config.AllowNoPlayback"} {
				if !strings.Contains(fatals[0], want) {
					t.Errorf("failure %q lacks %q", fatals[0], want)
				}
			}
			if took > tt.max {
				t.Errorf("Start failed after %s; want at most %s", took, tt.max)
			}
			// The whole URL, not its host: the 404 and html cases share a
			// server, and the other's AllowNoPlayback fleet may be running.
			if left := testkit.LiveFFmpegPids(tt.url); len(left) != 0 {
				t.Errorf("ffmpeg started for a failed Start: %v", left)
			}
			t.Logf("Start failed after %s: %s", took.Round(time.Millisecond), fatals[0])

			cfg.AllowNoPlayback = true
			rec = &testkit.Recorder{TB: t}
			f, _ = startRecorded(rec, cfg)
			fatals, logs := rec.Fatals(), rec.Logs()
			if f == nil {
				t.Fatalf("AllowNoPlayback: Start failed: %q", fatals)
			}
			begin := time.Now()
			res := f.Wait()
			t.Logf("AllowNoPlayback: Wait took %s; exits %v", time.Since(begin), res.Exits)
			if len(res.Viewers) != cfg.Clients {
				t.Errorf("AllowNoPlayback: %d viewers ran; want %d", len(res.Viewers), cfg.Clients)
			}
			if !strings.Contains(strings.Join(logs, "\n"), tt.want) {
				t.Errorf("AllowNoPlayback: logs %q; want the reason %q", logs, tt.want)
			}
		})
	}
}
